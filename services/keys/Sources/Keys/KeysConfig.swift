public import SharedProto
public import TollgateCore

/// Configuration of the keys service. Keys: `keys --config-reference`.
public struct KeysConfig: ServiceConfiguration {
    public static let service = ServiceName.keys

    static let bcryptCost = ConfigKey("bcrypt.cost", env: "TOLLGATE_KEYS_BCRYPT_COST", .int, default: "12", "bcrypt cost of new keys (4 to 16); each step doubles the time of a verification.")
    static let bcryptThreads = ConfigKey("bcrypt.threads", env: "TOLLGATE_KEYS_BCRYPT_THREADS", .int, default: "2", "Dedicated threads for bcrypt (never the request threads).")
    static let lastUsedInterval = ConfigKey("last_used.flush_interval", env: "TOLLGATE_KEYS_LAST_USED_INTERVAL", .duration, default: "30s", "`last_used_at` is written in one batch per interval: at most one write per key per interval.")

    public static var configKeys: [ConfigKey] {
        ServiceSettings.keys(for: service) + [bcryptCost, bcryptThreads, lastUsedInterval]
    }

    public var settings: ServiceSettings
    public var bcryptCost: Int
    public var bcryptThreads: Int
    public var lastUsedInterval: Duration

    public init(reader: ConfigReader) throws(ConfigError) {
        self.settings = try ServiceSettings(service: Self.service, reader: reader)
        self.bcryptCost = try reader.int(Self.bcryptCost, in: 4...16)
        self.bcryptThreads = try reader.int(Self.bcryptThreads, in: 1...64)
        self.lastUsedInterval = try reader.duration(Self.lastUsedInterval)
    }
}
