import Logging
import Prometheus
import SharedProto
import TollgateCore
import TollgateRedis

/// Tells every gateway replica that a key was revoked, on `RedisNames.keyRevokedChannel`.
/// The revocation is already committed when this runs; if Redis stays unreachable the
/// gateways' cache TTL bounds how long they keep accepting the key, and they flush their
/// whole cache when their subscription reconnects.
struct RevocationPublisher: Sendable {
    let redis: RedisClient
    let logger: Logger
    let failures: Prometheus.Counter

    init(redis: RedisClient, logger: Logger, metrics: PrometheusCollectorRegistry) {
        self.redis = redis
        self.logger = logger
        self.failures = metrics.counter("tollgate_keys_revocation_publish_failures_total", help: "Revocations that could not be announced on Redis.")
    }

    func announce(keyID: String) async {
        var delay = Duration.milliseconds(100)
        for attempt in 1...4 {
            do {
                try await redis.send("PUBLISH", RedisArgument(RedisNames.keyRevokedChannel), RedisArgument(keyID))
                return
            } catch {
                logger.warning("could not announce revocation", metadata: ["key_id": "\(keyID)", "attempt": "\(attempt)", "error": "\(error)"])
                if attempt < 4 {
                    try? await Task.sleep(for: delay)
                    delay *= 2
                }
            }
        }
        failures.increment()
        logger.error("revocation not announced; gateways drop the key when their cache entry expires", metadata: ["key_id": "\(keyID)"])
    }
}
