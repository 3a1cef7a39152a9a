/// Names of the Redis streams, channels and key prefixes shared between services.
/// Changing one is a wire-protocol change: every service must agree.
public enum RedisNames {
    /// Stream the gateway publishes audit events to.
    public static let auditStream = "tollgate:audit"
    /// Dead-letter stream for audit entries that cannot be stored.
    public static let auditDeadLetterStream = "tollgate:audit:dead"
    /// Consumer group the audit services read `auditStream` with.
    public static let auditConsumerGroup = "tollgate-audit"
    /// Channel on which the audit service announces committed events (live tail).
    public static let auditCommittedChannel = "tollgate:audit:committed"
    /// Channel on which the keys service publishes revoked key ids.
    public static let keyRevokedChannel = "tollgate:keys:revoked"
    /// Prefix of MCP session keys (`<prefix><session id>`).
    public static let sessionKeyPrefix = "tollgate:session:"
    /// Prefix of rate-limit token buckets (`<prefix><scope>:<identity>`).
    public static let rateLimitKeyPrefix = "tollgate:ratelimit:"
}
