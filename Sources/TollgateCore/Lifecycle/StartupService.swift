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
        // A shutdown during start-up (e.g. SIGTERM while Postgres is still down) ends the retries at once.
        let started = try await cancelWhenGracefulShutdown {
            try await retryUntilDone()
        }
        guard started else { return }
        readiness.markReady()
        logger.info("ready")
        try? await gracefulShutdown()
    }

    /// Returns `true` once the work succeeded, `false` when cancelled first.
    private func retryUntilDone() async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(200)
        while !Task.isCancelled {
            do {
                try await work()
                return true
            } catch {
                if Task.isCancelled { return false }
                guard ContinuousClock.now + delay < deadline else {
                    logger.critical("start-up failed", metadata: ["error": "\(String(reflecting: error))"])
                    throw error
                }
                logger.warning("start-up step failed, retrying", metadata: ["error": "\(String(reflecting: error))", "retry_in": "\(delay)"])
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return false
                }
                delay = min(delay * 2, .seconds(5))
            }
        }
        return false
    }
}
