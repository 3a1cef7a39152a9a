public import Hummingbird
import Prometheus
import TollgateCore

/// Builds the keys service: the API-key store (mint, list, revoke, validate).
/// The executable and the tests both call this.
public func buildApplication(config: KeysConfig, runtime: ServiceRuntime) async throws -> some ApplicationProtocol {
    let clients = ServiceApplication.Clients(settings: config.settings, logger: runtime.logger)
    let store = KeyStore(client: clients.postgres, logger: runtime.logger)
    let hasher = KeyHasher(threads: config.bcryptThreads, cost: config.bcryptCost, metrics: runtime.metrics)
    let lastUsed = LastUsedRecorder(store: store, interval: config.lastUsedInterval, logger: runtime.logger, metrics: runtime.metrics)
    let router = ServiceApplication.makeRouter(BasicRequestContext.self, settings: config.settings, runtime: runtime)
    KeysController(
        store: store,
        hasher: hasher,
        validator: KeyValidator(
            store: store, hasher: hasher, lastUsed: lastUsed,
            unknownIDs: runtime.metrics.counter("tollgate_keys_unknown_id_rejections_total", help: "Presented keys refused because their id is unknown (no bcrypt).")
        ),
        revocations: RevocationPublisher(redis: clients.redis, logger: runtime.logger, metrics: runtime.metrics),
        maxBodyBytes: config.settings.maxBodyBytes,
        internalToken: config.settings.internalToken
    ).addRoutes(to: router)
    return ServiceApplication.make(
        responder: router.withMethodNotAllowed().buildResponder(),
        settings: config.settings,
        runtime: runtime,
        clients: clients,
        migrations: KeysMigrations.all,
        services: [hasher, lastUsed]
    )
}
