public import Hummingbird
import Logging
import NIOCore
public import PostgresNIO
public import ServiceLifecycle
import SharedProto
public import TollgateRedis

/// Builds the parts every service's `buildApplication` needs, so the four services share
/// one set-up: the router with request ids, JSON errors, metrics and health routes; the
/// Postgres and Redis clients; migrations at start-up.
public enum ServiceApplication {
    /// A router with the standard middleware and `/healthz`, `/readyz`, `/metrics`.
    public static func makeRouter<Context: RequestContext>(
        _ context: Context.Type = Context.self,
        settings: ServiceSettings,
        runtime: ServiceRuntime
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: RequestIDMiddleware(accessLog: settings.accessLog))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: APIErrorMiddleware())
        HealthController<Context>(readiness: runtime.readiness, metrics: runtime.metrics).addRoutes(to: router)
        return router
    }

    /// The long-lived clients of a service, in start order.
    public struct Clients: Sendable {
        public let postgres: PostgresClient
        public let redis: RedisClient

        public init(settings: ServiceSettings, logger: Logger) {
            self.postgres = settings.postgres.makeClient(logger: logger)
            self.redis = RedisClient(configuration: settings.redis, logger: logger)
        }

        public var services: [any Service] { [postgres, redis] }
    }

    /// The application: clients first, then start-up work (migrations, then `extraStartup`),
    /// then the service's own background services, then the HTTP server.
    public static func make<Responder: HTTPResponder>(
        responder: Responder,
        settings: ServiceSettings,
        runtime: ServiceRuntime,
        clients: Clients,
        migrations: [Migration],
        services: [any Service] = [],
        connectionWatch: ConnectionWatch? = nil,
        extraStartup: (@Sendable () async throws -> Void)? = nil
    ) -> some ApplicationProtocol where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let logger = runtime.logger
        let migrator = Migrator(schema: settings.postgres.schema, migrations: migrations, logger: logger)
        let startup = StartupService(readiness: runtime.readiness, timeout: settings.postgres.startupTimeout, logger: logger) {
            try await migrator.run(on: clients.postgres)
            try await extraStartup?()
        }
        let headerTimeout = TimeAmount(settings.headerTimeout)
        return Application(
            responder: responder,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [HeaderTimeoutHandler(timeout: headerTimeout)] + (connectionWatch.map { [$0.makeHandler()] } ?? []),
                    idleTimeout: TimeAmount(settings.idleTimeout)
                )
            ),
            configuration: .init(
                address: .hostname(settings.host, port: settings.port),
                serverName: "tollgate-\(settings.service.rawValue)"
            ),
            services: clients.services + [startup] + services,
            logger: logger
        )
    }
}
