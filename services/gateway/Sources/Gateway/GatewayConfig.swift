public import SharedProto
public import TollgateCore

/// Configuration of the gateway. Keys: `gateway --config-reference`.
public struct GatewayConfig: ServiceConfiguration {
    public static let service = ServiceName.gateway

    static let serverName = ConfigKey("mcp.server_name", env: "TOLLGATE_GATEWAY_SERVER_NAME", .string, default: "tollgate", "serverInfo.name shown to MCP clients.")
    static let instructions = ConfigKey("mcp.instructions", env: "TOLLGATE_GATEWAY_INSTRUCTIONS", .string, default: "Tollgate MCP gateway: built-in fixture tools and federated upstream tools.", "Instructions returned by initialize and server/discover.")
    static let allowedOrigins = ConfigKey("mcp.allowed_origins", env: "TOLLGATE_GATEWAY_ALLOWED_ORIGINS", .list, default: "", "Browser origins allowed to call the MCP endpoint (requests without Origin, and localhost origins, are always allowed). `*` allows any.")
    static let corsOrigins = ConfigKey("cors.allowed_origins", env: "TOLLGATE_GATEWAY_CORS_ORIGINS", .list, default: "*", "Origins that get CORS headers; `*` (seed 002's default) for any. Tighten in production.")
    static let sessionTTL = ConfigKey("mcp.session_ttl", env: "TOLLGATE_GATEWAY_SESSION_TTL", .duration, default: "1h", "Idle lifetime of a 2025-era session in Redis; every request renews it.")
    static let pageSize = ConfigKey("mcp.page_size", env: "TOLLGATE_GATEWAY_PAGE_SIZE", .int, default: "100", "Items per page of tools/list, resources/list and prompts/list.")
    static let fixtureGroups = ConfigKey("fixtures.groups", env: "TOLLGATE_GATEWAY_FIXTURE_GROUPS", .list, default: "identity,data,failure,streaming", "Enabled built-in fixture tool groups.")
    static let allowAnonymous = ConfigKey("auth.allow_anonymous", env: "TOLLGATE_GATEWAY_ALLOW_ANONYMOUS", .bool, default: "false", "Serve callers without credentials as `anonymous`.")
    static let devAPIKey = ConfigKey("auth.dev_api_key", env: "TOLLGATE_DEV_API_KEY", .string, secret: true, "Static key named `dev` with every scope (for local development).")
    static let staticKeys = ConfigKey("auth.static_keys", env: "TOLLGATE_GATEWAY_STATIC_KEYS", .list, secret: true, "Static keys as `name:key[:scope+scope]`, compared in constant time.")
    static let keysURL = ConfigKey("auth.keys_url", env: "TOLLGATE_KEYS_URL", .string, default: "http://127.0.0.1:8082", "The keys service, for database API keys.")
    static let keyCacheTTL = ConfigKey("auth.key_cache_ttl", env: "TOLLGATE_GATEWAY_KEY_CACHE_TTL", .duration, default: "60s", "How long a validated key is cached (revocations drop it at once).")
    static let keyNegativeTTL = ConfigKey("auth.key_negative_cache_ttl", env: "TOLLGATE_GATEWAY_KEY_NEGATIVE_TTL", .duration, default: "5s", "How long a refused key is remembered.")
    static let publicURL = ConfigKey("http.public_url", env: "TOLLGATE_GATEWAY_PUBLIC_URL", .string, default: "", "External base URL (for resource metadata); default: from the request's Host.")
    static let rateLimit = ConfigKey("rate_limit.per_second", env: "TOLLGATE_GATEWAY_RATE_LIMIT", .int, default: "50", "Sustained requests per second per identity (token bucket in Redis, shared by replicas); 0 disables.")
    static let auditEnabled = ConfigKey("audit.enabled", env: "TOLLGATE_GATEWAY_AUDIT", .bool, default: "true", "Publish an audit event for every tool call and authentication failure.")
    static let auditQueue = ConfigKey("audit.queue_capacity", env: "TOLLGATE_GATEWAY_AUDIT_QUEUE", .int, default: "100000", "Events held in memory before they go to the spool file.")
    static let auditSpool = ConfigKey("audit.spool_path", env: "TOLLGATE_GATEWAY_AUDIT_SPOOL", .string, default: "", "Where events wait while Redis is unavailable (JSON lines); default /tmp/tollgate-gateway-<port>.audit-spool. Put it on a volume in containers.")
    static let redactKeys = ConfigKey("audit.redact_keys", env: "TOLLGATE_GATEWAY_REDACT_KEYS", .list, default: Redactor.defaultKeys.joined(separator: ","), "Argument keys whose values are stored as [redacted] (case-insensitive, any depth).")
    static let maxPayloadBytes = ConfigKey("audit.max_payload_bytes", env: "TOLLGATE_GATEWAY_MAX_PAYLOAD_BYTES", .int, default: "65536", "Largest captured request or response; larger ones are truncated and flagged.")
    static let oidcIssuer = ConfigKey("auth.oidc.issuer", env: "TOLLGATE_OIDC_ISSUER", .string, default: "", "OIDC issuer URL; empty disables bearer JWTs. Its discovery document and JWKS are fetched and cached.")
    static let oidcAudience = ConfigKey("auth.oidc.audience", env: "TOLLGATE_OIDC_AUDIENCE", .string, default: "tollgate", "Audience a token's `aud` must contain.")
    static let oidcAllowedClients = ConfigKey("auth.oidc.allowed_clients", env: "TOLLGATE_OIDC_ALLOWED_CLIENTS", .list, default: "", "When set, `azp`/`client_id` must be one of these.")
    static let oidcClockSkew = ConfigKey("auth.oidc.clock_skew_seconds", env: "TOLLGATE_OIDC_CLOCK_SKEW", .int, default: "60", "Tolerance for exp, nbf and iat.")
    static let oidcRolesClaim = ConfigKey("auth.oidc.roles_claim", env: "TOLLGATE_OIDC_ROLES_CLAIM", .string, default: "roles", "Dotted path of the roles claim (e.g. realm_access.roles).")
    static let oidcRoleTools = ConfigKey("auth.oidc.role_tools", env: "TOLLGATE_OIDC_ROLE_TOOLS", .structured, "Role → list of tool globs. Unset: OIDC callers may call every tool; set: only their roles' tools.")
    static let upstreams = ConfigKey("upstreams", env: "TOLLGATE_GATEWAY_UPSTREAMS", .structured, "Federated MCP servers: a list of {name, transport: http|stdio, url, headers, command, args, env, prefix (default `<name>__`), timeout (default 30s), include, exclude}.")
    static let upstreamRefresh = ConfigKey("upstream_refresh_interval", env: "TOLLGATE_GATEWAY_UPSTREAM_REFRESH", .duration, default: "60s", "How often upstream tool lists are refreshed (also on notifications/tools/list_changed).")
    static let rateBurst = ConfigKey("rate_limit.burst", env: "TOLLGATE_GATEWAY_RATE_BURST", .int, default: "100", "Bucket size: requests an identity may make at once.")

    public static var configKeys: [ConfigKey] {
        ServiceSettings.keys(for: service) + [
            serverName, instructions, allowedOrigins, corsOrigins, sessionTTL, pageSize, fixtureGroups, allowAnonymous, devAPIKey,
            staticKeys, keysURL, keyCacheTTL, keyNegativeTTL, publicURL, rateLimit, rateBurst, upstreams, upstreamRefresh,
            oidcIssuer, oidcAudience, oidcAllowedClients, oidcClockSkew, oidcRolesClaim, oidcRoleTools,
            auditEnabled, auditQueue, auditSpool, redactKeys, maxPayloadBytes,
        ]
    }

    /// A static key from configuration.
    public struct StaticKey: Sendable, Equatable {
        public var name: String
        public var key: String
        public var scopes: [String]
    }

    public var settings: ServiceSettings
    public var serverName: String
    public var instructions: String
    public var allowedOrigins: [String]
    public var corsOrigins: [String]
    public var sessionTTL: Duration
    public var pageSize: Int
    public var fixtureGroups: [String]
    public var allowAnonymous: Bool
    public var staticKeys: [StaticKey]
    public var keysURL: String
    public var keyCacheTTL: Duration
    public var keyNegativeTTL: Duration
    public var publicURL: String?
    public var rateLimitPerSecond: Int
    public var rateLimitBurst: Int
    var upstreams: [UpstreamSettings]
    var oidc: OIDCSettings?
    public var auditEnabled: Bool
    public var auditQueueCapacity: Int
    public var auditSpoolPath: String
    public var redactKeys: [String]
    public var maxPayloadBytes: Int
    public var upstreamRefreshInterval: Duration

    public init(reader: ConfigReader) throws(ConfigError) {
        settings = try ServiceSettings(service: Self.service, reader: reader)
        serverName = try reader.string(Self.serverName)
        instructions = try reader.string(Self.instructions)
        allowedOrigins = reader.list(Self.allowedOrigins)
        corsOrigins = reader.list(Self.corsOrigins)
        sessionTTL = try reader.duration(Self.sessionTTL)
        pageSize = try reader.int(Self.pageSize, in: 1...1000)
        fixtureGroups = reader.list(Self.fixtureGroups)
        for group in fixtureGroups where !FixtureTools.groupNames.contains(group) {
            throw ConfigError("fixtures.groups: unknown group '\(group)' (known: \(FixtureTools.groupNames.joined(separator: ", ")))")
        }
        allowAnonymous = try reader.bool(Self.allowAnonymous)
        var keys: [StaticKey] = []
        if let dev = reader.optionalString(Self.devAPIKey) {
            keys.append(StaticKey(name: "dev", key: dev, scopes: ["admin"]))
        }
        for entry in reader.list(Self.staticKeys) {
            let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, !parts[0].isEmpty, parts[1].count >= 16 else {
                throw ConfigError("auth.static_keys: entries are name:key[:scope+scope] with keys of 16+ characters")
            }
            keys.append(StaticKey(name: parts[0], key: parts[1], scopes: parts.count > 2 ? parts[2].split(separator: "+").map(String.init) : []))
        }
        staticKeys = keys
        keysURL = try reader.string(Self.keysURL)
        keyCacheTTL = try reader.duration(Self.keyCacheTTL)
        keyNegativeTTL = try reader.duration(Self.keyNegativeTTL)
        publicURL = reader.optionalString(Self.publicURL)
        rateLimitPerSecond = try reader.int(Self.rateLimit, in: 0...1_000_000)
        rateLimitBurst = try reader.int(Self.rateBurst, in: 1...10_000_000)
        upstreams = try UpstreamSettings.parse(try reader.structured(Self.upstreams))
        upstreamRefreshInterval = try reader.duration(Self.upstreamRefresh)
        auditEnabled = try reader.bool(Self.auditEnabled)
        auditQueueCapacity = try reader.int(Self.auditQueue, in: 1...10_000_000)
        auditSpoolPath = reader.optionalString(Self.auditSpool) ?? "/tmp/tollgate-gateway-\(settings.port).audit-spool"
        redactKeys = reader.list(Self.redactKeys)
        maxPayloadBytes = try reader.int(Self.maxPayloadBytes, in: 256...(64 << 20))
        if let issuer = reader.optionalString(Self.oidcIssuer) {
            guard issuer.hasPrefix("https://") || issuer.hasPrefix("http://") else { throw ConfigError("auth.oidc.issuer must be a URL") }
            var roleTools: [String: [String]] = [:]
            if let mapping = try reader.structured(Self.oidcRoleTools), mapping != .null {
                guard let members = mapping.objectValue else { throw ConfigError("auth.oidc.role_tools must map roles to lists of tool globs") }
                for (role, globs) in members {
                    guard let list = globs.arrayValue?.compactMap(\.stringValue) else { throw ConfigError("auth.oidc.role_tools.\(role) must be a list") }
                    roleTools[role] = list
                }
            }
            oidc = OIDCSettings(
                issuer: issuer, audience: try reader.string(Self.oidcAudience), allowedClients: reader.list(Self.oidcAllowedClients),
                clockSkewSeconds: try reader.int(Self.oidcClockSkew, in: 0...3600), rolesClaim: try reader.string(Self.oidcRolesClaim), roleTools: roleTools
            )
        } else {
            oidc = nil
        }
    }
}
