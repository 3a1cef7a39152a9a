import Logging
import ServiceLifecycle

/// Delays shutdown so load balancers stop routing before the server stops listening.
///
/// It must be the last service of the top-level group: the group shuts services down in
/// reverse order, so on SIGTERM this one runs first, marks the service as draining
/// (`/readyz` → 503), waits `period`, and returns; only then is the HTTP server stopped.
public struct DrainService: Service {
    private let readiness: Readiness
    private let period: Duration
    private let logger: Logger

    public init(readiness: Readiness, period: Duration, logger: Logger) {
        self.readiness = readiness
        self.period = period
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        readiness.markDraining()
        logger.info("draining before shutdown", metadata: ["drain_period": "\(period)"])
        try? await Task.sleep(for: period)
    }
}
