public import Hummingbird
public import Logging
import Metrics
public import Prometheus
import ServiceLifecycle
public import SharedProto

/// The plumbing every service shares: its logger, readiness and metrics registry.
/// Tests build one per application; executables call `bootstrap` once per process.
public struct ServiceRuntime: Sendable {
    public let service: ServiceName
    public let logger: Logger
    public let readiness: Readiness
    public let metrics: PrometheusCollectorRegistry

    public init(service: ServiceName, logger: Logger, readiness: Readiness = Readiness(), metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.service = service
        self.logger = logger
        self.readiness = readiness
        self.metrics = metrics
    }

    /// Installs JSON logging to stderr and the Prometheus metrics factory for the process
    /// (swift-log and swift-metrics allow this once), and returns the runtime using them.
    public static func bootstrap(service: ServiceName, logLevel: Logger.Level) -> ServiceRuntime {
        LoggingSystem.bootstrap { label in
            JSONLogHandler(label: label, service: service.rawValue, level: logLevel)
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "tollgate.\(service.rawValue)")
        logger.logLevel = logLevel
        return ServiceRuntime(service: service, logger: logger, metrics: registry)
    }

    /// Runs the application until SIGTERM or SIGINT. On the signal, `/readyz` turns 503 for
    /// `drainPeriod`, then the server stops accepting, finishes in-flight requests, and the
    /// clients (Redis, Postgres) close in reverse start order.
    public func run(_ application: some ApplicationProtocol, drainPeriod: Duration) async throws {
        let group = ServiceGroup(
            services: [application, DrainService(readiness: readiness, period: drainPeriod, logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger
        )
        try await group.run()
        logger.info("stopped")
    }
}
