import Logging
import ServiceLifecycle

/// Runs a service's start-up work (migrations, cache warm-up) while the HTTP server already
/// answers `/healthz`, retrying until `timeout` if a dependency is not up yet, then marks
/// the service ready. Failing past the timeout ends the process with an error.
public struct StartupService: Service {
    private let readiness: Readiness
    private let timeout: Duration
    private let logger: Logger
    private let work: @Sendable () async throws -> Void

    public init(readiness: Readiness, timeout: Duration, logger: Logger, work: @escaping @Sendable () async throws -> Void) {
        self.readiness = readiness
        self.timeout = timeout
        self.logger = logger
        self.work = work
    }

    public func run() async throws {
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(200)
        while true {
            do {
                try await work()
                break
            } catch is CancellationError {
                return
            } catch {
                guard ContinuousClock.now + delay < deadline, !Task.isCancelled else {
                    logger.critical("start-up failed", metadata: ["error": "\(String(reflecting: error))"])
                    throw error
                }
                logger.warning("start-up step failed, retrying", metadata: ["error": "\(String(reflecting: error))", "retry_in": "\(delay)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
        readiness.markReady()
        logger.info("ready")
        try? await gracefulShutdown()
    }
}
