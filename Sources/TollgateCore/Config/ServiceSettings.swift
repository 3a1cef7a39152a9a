import Logging
import SharedProto
import TollgateRedis

/// Settings every service has: HTTP listener, logging, shutdown, Postgres, Redis and the
/// internal token. `keys(for:)` is their documentation.
public struct ServiceSettings: Sendable {
    public var service: ServiceName
    public var host: String
    public var port: Int
    public var maxBodyBytes: Int
    /// Proxies whose `X-Forwarded-For` is believed (`ClientAddress`).
    public var clientAddress: ClientAddress
    /// How long a connection may take to send a request's head, from connecting.
    public var headerTimeout: Duration
    /// How long a keep-alive connection may sit idle between requests (or mid-body).
    public var idleTimeout: Duration
    public var logLevel: Logger.Level
    public var accessLog: Bool
    public var drainPeriod: Duration
    public var postgres: PostgresSettings
    public var redis: RedisClient.Configuration
    public var internalToken: String

    /// The environment variable naming the service's YAML file, e.g. `TOLLGATE_KEYS_CONFIG`.
    public static func fileVariable(for service: ServiceName) -> String {
        "\(service.environmentPrefix)_CONFIG"
    }

    /// The documented keys shared by every service, with the service's own variable names.
    public static func keys(for service: ServiceName) -> [ConfigKey] {
        let prefix = service.environmentPrefix
        return [
            ConfigKey("http.host", env: "\(prefix)_HOST", .string, default: "127.0.0.1", "Address to listen on (`0.0.0.0` in containers)."),
            ConfigKey("http.port", env: "\(prefix)_PORT", .int, default: "\(service.defaultPort)", "Port to listen on."),
            ConfigKey("http.max_body_bytes", env: "\(prefix)_MAX_BODY_BYTES", .int, default: "1048576", "Largest request body accepted; larger bodies get 413."),
            ConfigKey("http.trusted_proxies", env: "\(prefix)_TRUSTED_PROXIES", .list, default: "", "Proxies (IP addresses or CIDRs) whose `X-Forwarded-For` is believed. The client address is the peer, or the right-most forwarded hop that is not one of these. Default: none (the header is ignored)."),
            ConfigKey("http.header_timeout", env: "TOLLGATE_HTTP_HEADER_TIMEOUT", .duration, default: "10s", "A new connection that has not sent a complete request head within this time is closed."),
            ConfigKey("http.idle_timeout", env: "TOLLGATE_HTTP_IDLE_TIMEOUT", .duration, default: "60s", "A connection that sends nothing for this long (between requests, or mid-request) is closed. Open response streams are not idle."),
            ConfigKey("log.level", env: "TOLLGATE_LOG_LEVEL", .string, default: "info", "trace, debug, info, notice, warning, error or critical. JSON lines on stderr."),
            ConfigKey("log.access", env: "TOLLGATE_ACCESS_LOG", .bool, default: "true", "Log one line per request (probes excluded)."),
            ConfigKey("shutdown.drain_period", env: "TOLLGATE_DRAIN_PERIOD", .duration, default: "5s", "After SIGTERM, how long `/readyz` answers 503 before the server stops accepting requests."),
            ConfigKey("postgres.host", env: "TOLLGATE_PG_HOST", .string, default: "127.0.0.1", "Postgres host."),
            ConfigKey("postgres.port", env: "TOLLGATE_PG_PORT", .int, default: "5432", "Postgres port."),
            ConfigKey("postgres.database", env: "TOLLGATE_PG_DATABASE", .string, default: "tollgate", "Postgres database."),
            ConfigKey("postgres.user", env: "\(prefix)_DB_USER", .string, default: service.databaseRole, "The service's own role; it can use only schema `\(service.schema)`."),
            ConfigKey("postgres.password", env: "\(prefix)_DB_PASSWORD", .string, secret: true, "Password of the service's role. Required."),
            ConfigKey("postgres.tls", env: "TOLLGATE_PG_TLS", .string, default: "prefer", "disable, prefer or require."),
            ConfigKey("postgres.max_connections", env: "\(prefix)_DB_MAX_CONNECTIONS", .int, default: "10", "Connection pool size."),
            ConfigKey("postgres.startup_timeout", env: "TOLLGATE_PG_STARTUP_TIMEOUT", .duration, default: "60s", "How long start-up waits for Postgres (migrations) before giving up."),
            ConfigKey("redis.url", env: "TOLLGATE_REDIS_URL", .string, default: "redis://127.0.0.1:6379/0", secret: true, "`redis://[:password@]host[:port][/db]`."),
            ConfigKey("redis.pool_size", env: "\(prefix)_REDIS_POOL_SIZE", .int, default: "4", "Dedicated Redis threads and connections."),
            ConfigKey("redis.command_timeout", env: "TOLLGATE_REDIS_COMMAND_TIMEOUT", .duration, default: "5s", "Socket timeout of one Redis reply."),
            ConfigKey("internal.token", env: "TOLLGATE_INTERNAL_TOKEN", .string, secret: true, "Shared token for internal routes between services (16+ characters). Required."),
        ]
    }

    public init(service: ServiceName, reader: ConfigReader) throws(ConfigError) {
        let keys = Dictionary(uniqueKeysWithValues: Self.keys(for: service).map { ($0.path, $0) })
        func key(_ path: String) -> ConfigKey { keys[path]! }

        self.service = service
        self.host = try reader.string(key("http.host"))
        self.port = try reader.int(key("http.port"), in: 0...65535)
        self.maxBodyBytes = try reader.int(key("http.max_body_bytes"), in: 1...(1 << 30))
        self.clientAddress = try ClientAddress(trustedProxies: reader.list(key("http.trusted_proxies")))
        self.headerTimeout = try reader.duration(key("http.header_timeout"))
        self.idleTimeout = try reader.duration(key("http.idle_timeout"))
        guard headerTimeout > .zero, idleTimeout > .zero else { throw ConfigError("http.header_timeout and http.idle_timeout must be positive") }
        let level = try reader.string(key("log.level"))
        guard let logLevel = Logger.Level(rawValue: level.lowercased()) else {
            throw ConfigError("log.level (TOLLGATE_LOG_LEVEL) must be one of trace, debug, info, notice, warning, error, critical; got '\(level)'")
        }
        self.logLevel = logLevel
        self.accessLog = try reader.bool(key("log.access"))
        self.drainPeriod = try reader.duration(key("shutdown.drain_period"))

        let tlsText = try reader.string(key("postgres.tls"))
        guard let tls = PostgresSettings.TLSMode(rawValue: tlsText) else {
            throw ConfigError("postgres.tls (TOLLGATE_PG_TLS) must be disable, prefer or require; got '\(tlsText)'")
        }
        self.postgres = PostgresSettings(
            host: try reader.string(key("postgres.host")),
            port: try reader.int(key("postgres.port"), in: 1...65535),
            database: try reader.string(key("postgres.database")),
            user: try reader.string(key("postgres.user")),
            password: try reader.string(key("postgres.password")),
            tls: tls,
            maxConnections: try reader.int(key("postgres.max_connections"), in: 1...1000),
            startupTimeout: try reader.duration(key("postgres.startup_timeout")),
            schema: service.schema
        )

        let url: RedisURL
        do {
            url = try RedisURL(parsing: try reader.string(key("redis.url")))
        } catch let error as RedisError {
            throw ConfigError("redis.url (TOLLGATE_REDIS_URL): \(error)")
        } catch {
            throw ConfigError("redis.url (TOLLGATE_REDIS_URL): \(error)")
        }
        self.redis = RedisClient.Configuration(
            url: url,
            poolSize: try reader.int(key("redis.pool_size"), in: 1...256),
            commandTimeout: try reader.duration(key("redis.command_timeout"))
        )

        self.internalToken = try reader.string(key("internal.token"))
        guard internalToken.count >= 16 else {
            throw ConfigError("internal.token (TOLLGATE_INTERNAL_TOKEN) must be at least 16 characters")
        }
    }
}
