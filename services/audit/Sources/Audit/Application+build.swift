public import Hummingbird
import TollgateCore
import TollgateRedis

/// Builds the audit service: consumes the audit stream, stores it, answers audit queries.
/// The executable and the tests both call this.
public func buildApplication(config: AuditConfig, runtime: ServiceRuntime) async throws -> some ApplicationProtocol {
    let clients = ServiceApplication.Clients(settings: config.settings, logger: runtime.logger)
    // Each consumer blocks in XREADGROUP: a shared client with a connection per consumer, and a
    // reply timeout longer than the block.
    var consumerRedisSettings = config.settings.redis
    consumerRedisSettings.poolSize = config.consumers + 1
    consumerRedisSettings.commandTimeout = config.block + .seconds(10)
    let consumerRedis = RedisClient(configuration: consumerRedisSettings, logger: runtime.logger)

    // Checkpoints are signed with the configured key.
    let signer = try ChainSigner(seedBase64: config.signingKey)
    if !signer.isConfigured {
        runtime.logger.warning("no chain.signing_key: audit checkpoints are unsigned, so a rewritten chain cannot be told from the original")
    }
    let partitions = PartitionManager(
        client: clients.postgres, retentionDays: config.retentionDays, partitionsAhead: config.partitionsAhead, signer: signer, logger: runtime.logger
    )
    // Several consumers store batches in parallel transactions (Postgres' work per batch is
    // mostly single-threaded); each is the only writer of its own hash chain.
    let consumers = (0..<config.consumers).map { index in
        let name = index == 0 ? config.consumerName : "\(config.consumerName)-\(index + 1)"
        let chain = AuditStore.ChainSettings(chainID: name, signer: signer, checkpointEvery: config.checkpointEvery, checkpointInterval: config.checkpointInterval)
        return AuditConsumer(
            redis: consumerRedis,
            store: AuditStore(client: clients.postgres, logger: runtime.logger, chain: chain),
            readiness: runtime.readiness,
            settings: .init(consumer: name, batchSize: config.batchSize, block: config.block, claimIdle: config.claimIdle, maxDeliveries: config.maxDeliveries),
            logger: runtime.logger,
            metrics: runtime.metrics
        )
    }
    let router = ServiceApplication.makeRouter(BasicRequestContext.self, settings: config.settings, runtime: runtime)
    AuditQueryController(client: clients.postgres, internalToken: config.settings.internalToken, countBudget: config.countBudget).addRoutes(to: router)
    AuditStatsController(client: clients.postgres, internalToken: config.settings.internalToken).addRoutes(to: router)
    AuditChainController(client: clients.postgres, internalToken: config.settings.internalToken, signer: signer).addRoutes(to: router)
    return ServiceApplication.make(
        responder: router.withMethodNotAllowed().buildResponder(),
        settings: config.settings,
        runtime: runtime,
        clients: clients,
        migrations: AuditMigrations.all,
        services: [consumerRedis, partitions] + consumers,
        extraStartup: { _ = try await partitions.maintain() }
    )
}
