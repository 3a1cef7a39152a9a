public import Hummingbird
import TollgateCore
import TollgateRedis

/// Builds the audit service: consumes the audit stream, stores it, answers audit queries.
/// The executable and the tests both call this.
public func buildApplication(config: AuditConfig, runtime: ServiceRuntime) async throws -> some ApplicationProtocol {
    let clients = ServiceApplication.Clients(settings: config.settings, logger: runtime.logger)
    // The consumer blocks in XREADGROUP: its own client, with a reply timeout longer than the block.
    var consumerRedisSettings = config.settings.redis
    consumerRedisSettings.poolSize = 2
    consumerRedisSettings.commandTimeout = config.block + .seconds(10)
    let consumerRedis = RedisClient(configuration: consumerRedisSettings, logger: runtime.logger)

    // The consumer's own hash chain (one writer per chain); checkpoints signed with the configured key.
    let signer = try ChainSigner(seedBase64: config.signingKey)
    if !signer.isConfigured {
        runtime.logger.warning("no chain.signing_key: audit checkpoints are unsigned, so a rewritten chain cannot be told from the original")
    }
    let chain = AuditStore.ChainSettings(
        chainID: config.consumerName, signer: signer, checkpointEvery: config.checkpointEvery, checkpointInterval: config.checkpointInterval
    )
    let store = AuditStore(client: clients.postgres, logger: runtime.logger, chain: chain)
    let partitions = PartitionManager(
        client: clients.postgres, retentionDays: config.retentionDays, partitionsAhead: config.partitionsAhead, signer: signer, logger: runtime.logger
    )
    let consumer = AuditConsumer(
        redis: consumerRedis,
        store: store,
        readiness: runtime.readiness,
        settings: .init(consumer: config.consumerName, batchSize: config.batchSize, block: config.block, claimIdle: config.claimIdle, maxDeliveries: config.maxDeliveries),
        logger: runtime.logger,
        metrics: runtime.metrics
    )
    let router = ServiceApplication.makeRouter(BasicRequestContext.self, settings: config.settings, runtime: runtime)
    AuditQueryController(client: clients.postgres, internalToken: config.settings.internalToken).addRoutes(to: router)
    AuditStatsController(client: clients.postgres, internalToken: config.settings.internalToken).addRoutes(to: router)
    AuditChainController(client: clients.postgres, internalToken: config.settings.internalToken, signer: signer).addRoutes(to: router)
    return ServiceApplication.make(
        responder: router.withMethodNotAllowed().buildResponder(),
        settings: config.settings,
        runtime: runtime,
        clients: clients,
        migrations: AuditMigrations.all,
        services: [consumerRedis, partitions, consumer],
        extraStartup: { _ = try await partitions.maintain() }
    )
}
