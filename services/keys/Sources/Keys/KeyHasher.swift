import HummingbirdBcrypt
import NIOPosix
import Prometheus
import ServiceLifecycle
import TollgateCore

/// bcrypt on dedicated threads: hashing and verifying take tens of milliseconds of CPU and
/// must never run on an event loop or the cooperative pool.
final class KeyHasher: Service, Sendable {
    private let pool: NIOThreadPool
    private let cost: UInt8
    private let verifications: Prometheus.Counter

    init(threads: Int, cost: Int, metrics: PrometheusCollectorRegistry) {
        self.pool = NIOThreadPool(numberOfThreads: threads)
        self.pool.start()
        self.cost = UInt8(cost)
        self.verifications = metrics.counter("tollgate_keys_bcrypt_verifications_total", help: "bcrypt verifications of presented keys.")
    }

    func run() async throws {
        try? await gracefulShutdown()
        try? await pool.shutdownGracefully()
    }

    func hash(_ secret: String) async throws -> String {
        let cost = self.cost
        return try await pool.runIfActive { Bcrypt.hash(secret, cost: cost) }
    }

    /// Verifies `secret` against `hash`.
    func verify(_ secret: String, against hash: String) async throws -> Bool {
        verifications.increment()
        return try await pool.runIfActive { Bcrypt.verify(secret, hash: hash) }
    }
}
