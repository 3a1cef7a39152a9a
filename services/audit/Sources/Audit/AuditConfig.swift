import Foundation
public import SharedProto
public import TollgateCore

/// Configuration of the audit service. Keys: `audit --config-reference`.
public struct AuditConfig: ServiceConfiguration {
    public static let service = ServiceName.audit

    static let retentionDays = ConfigKey("retention_days", env: "TOLLGATE_AUDIT_RETENTION_DAYS", .int, default: "30", "Days of audit events kept; older daily partitions are dropped.")
    static let partitionsAhead = ConfigKey("partitions_ahead_days", env: "TOLLGATE_AUDIT_PARTITIONS_AHEAD", .int, default: "7", "Daily partitions created ahead of time.")
    static let batchSize = ConfigKey("consumer.batch_size", env: "TOLLGATE_AUDIT_BATCH_SIZE", .int, default: "2000", "Most stream entries read and stored per transaction (a busy stream fills it; a quiet one is read as it comes).")
    static let block = ConfigKey("consumer.block", env: "TOLLGATE_AUDIT_BLOCK", .duration, default: "1s", "How long one XREADGROUP waits for new entries.")
    static let claimIdle = ConfigKey("consumer.claim_idle", env: "TOLLGATE_AUDIT_CLAIM_IDLE", .duration, default: "30s", "Entries pending this long with another (dead) consumer are claimed.")
    static let maxDeliveries = ConfigKey("consumer.max_deliveries", env: "TOLLGATE_AUDIT_MAX_DELIVERIES", .int, default: "5", "Entries delivered more often than this go to the dead-letter stream.")
    static let consumers = ConfigKey(
        "consumer.count", env: "TOLLGATE_AUDIT_CONSUMERS", .int, default: "2",
        "Consumers in this process, each with its own transaction and hash chain (named consumer.name, then consumer.name-2, ...)."
    )
    static let consumerName = ConfigKey("consumer.name", env: "TOLLGATE_AUDIT_CONSUMER", .string, default: "", "This process's consumer name in the group; default: host name and pid.")

    static let countBudget = ConfigKey(
        "query.count_budget", env: "TOLLGATE_AUDIT_COUNT_BUDGET", .duration, default: "40ms",
        "How long an events page may spend counting its matches (at most 10,000); past it the planner's estimate is answered, flagged `total_estimated`."
    )
    static let signingKey = ConfigKey(
        "chain.signing_key", env: "TOLLGATE_AUDIT_SIGNING_KEY", .string, default: "", secret: true,
        "Ed25519 private key seed (32 bytes, base64) that signs the hash chain's checkpoints; empty: checkpoints are unsigned."
    )
    static let checkpointEvery = ConfigKey("chain.checkpoint_every", env: "TOLLGATE_AUDIT_CHECKPOINT_EVERY", .int, default: "1000", "A signed checkpoint after this many links of a chain.")
    static let checkpointInterval = ConfigKey(
        "chain.checkpoint_interval", env: "TOLLGATE_AUDIT_CHECKPOINT_INTERVAL", .duration, default: "60s", "A signed checkpoint at least this often while a chain grows."
    )

    public static var configKeys: [ConfigKey] {
        ServiceSettings.keys(for: service) + [
            retentionDays, partitionsAhead, batchSize, block, claimIdle, maxDeliveries, consumers, consumerName, countBudget, signingKey, checkpointEvery, checkpointInterval,
        ]
    }

    public var settings: ServiceSettings
    public var retentionDays: Int
    public var partitionsAhead: Int
    public var batchSize: Int
    public var block: Duration
    public var claimIdle: Duration
    public var maxDeliveries: Int
    public var consumers: Int
    public var countBudget: Duration
    public var consumerName: String
    public var signingKey: String?
    public var checkpointEvery: Int
    public var checkpointInterval: Duration

    public init(reader: ConfigReader) throws(ConfigError) {
        settings = try ServiceSettings(service: Self.service, reader: reader)
        retentionDays = try reader.int(Self.retentionDays, in: 1...3650)
        partitionsAhead = try reader.int(Self.partitionsAhead, in: 1...60)
        batchSize = try reader.int(Self.batchSize, in: 1...2000)
        block = try reader.duration(Self.block)
        claimIdle = try reader.duration(Self.claimIdle)
        maxDeliveries = try reader.int(Self.maxDeliveries, in: 1...1000)
        consumers = try reader.int(Self.consumers, in: 1...16)
        countBudget = try reader.duration(Self.countBudget)
        consumerName = reader.optionalString(Self.consumerName) ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        signingKey = reader.optionalString(Self.signingKey)
        if let signingKey, (try? ChainSigner(seedBase64: signingKey)) == nil {
            throw ConfigError("\(Self.signingKey.path) (\(Self.signingKey.environment)) must be a 32-byte Ed25519 seed, base64")
        }
        checkpointEvery = try reader.int(Self.checkpointEvery, in: 1...1_000_000)
        checkpointInterval = try reader.duration(Self.checkpointInterval)
    }
}
