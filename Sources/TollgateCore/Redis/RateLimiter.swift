public import Logging
public import Prometheus
import SharedProto
public import TollgateRedis

/// A token bucket per identity, kept in Redis so every replica of a service shares it.
/// If Redis is unreachable the limiter lets requests through (counted on /metrics):
/// an outage of the limiter must not become an outage of the service.
public struct RateLimiter: Sendable {
    /// Refills, takes one token, returns {allowed, milliseconds until a token is available}.
    static let script = """
        local rate = tonumber(ARGV[1]) / 1000
        local burst = tonumber(ARGV[2])
        local now = tonumber(ARGV[3])
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local tokens = tonumber(state[1]) or burst
        local at = tonumber(state[2]) or now
        tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
        local allowed = 0
        local wait = 0
        if tokens >= 1 then
          tokens = tokens - 1
          allowed = 1
        else
          wait = math.ceil((1 - tokens) / rate)
        end
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
        redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
        return {allowed, wait}
        """

    public enum Decision: Equatable, Sendable {
        case allowed
        case limited(retryAfterSeconds: Int)
    }

    let redis: RedisClient
    /// What the bucket limits (`mcp`, `replay`): part of the Redis key.
    let scope: String
    let perSecond: Double
    let burst: Int
    let logger: Logger
    let failOpen: Prometheus.Counter
    private let warnings = LogThrottle()

    /// `perSecond` may be fractional (`1.0 / 12` is one token every 12 s); 0 disables the limit.
    public init(redis: RedisClient, scope: String, perSecond: Double, burst: Int, logger: Logger, metrics: PrometheusCollectorRegistry, service: String) {
        self.redis = redis
        self.scope = scope
        self.perSecond = perSecond
        self.burst = burst
        self.logger = logger
        self.failOpen = metrics.counter(
            "tollgate_\(service)_rate_limit_unavailable_total",
            help: "Requests let through because the rate limiter (Redis) was unreachable.",
            labels: [("scope", scope)]
        )
    }

    public func check(identity: String, nowMilliseconds: Int64) async -> Decision {
        guard perSecond > 0 else { return .allowed }
        do {
            let reply = try await redis.send(
                // The bucket's parameters are part of its key: replicas configured alike share a
                // bucket, a differently configured service on the same Redis does not drain it.
                "EVAL", RedisArgument(Self.script), "1", RedisArgument("\(RedisNames.rateLimitKeyPrefix)\(scope):\(perSecond):\(burst):\(identity)"),
                RedisArgument(String(perSecond)), RedisArgument(burst), RedisArgument(Int(nowMilliseconds))
            )
            guard let values = reply.array, values.count == 2, let allowed = values[0].int, let wait = values[1].int else {
                return .allowed
            }
            return allowed == 1 ? .allowed : .limited(retryAfterSeconds: max(1, Int((wait + 999) / 1000)))
        } catch {
            failOpen.increment()
            if let suppressed = warnings.admit() {
                logger.warning("rate limiter unavailable; requests allowed", metadata: ["scope": "\(scope)", "error": "\(error)", "suppressed": "\(suppressed)"])
            }
            return .allowed
        }
    }
}
