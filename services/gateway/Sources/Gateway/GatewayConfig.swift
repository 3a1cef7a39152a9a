public import MCPCore
public import SharedProto
public import TollgateAuth
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
    static let publicURL = ConfigKey("http.public_url", env: "TOLLGATE_GATEWAY_PUBLIC_URL", .string, default: "", "External base URL (for resource metadata); default: from the request's Host.")
    static let rateLimit = ConfigKey("rate_limit.per_second", env: "TOLLGATE_GATEWAY_RATE_LIMIT", .int, default: "50", "Sustained requests per second per identity (token bucket in Redis, shared by replicas); 0 disables.")
    static let auditEnabled = ConfigKey("audit.enabled", env: "TOLLGATE_GATEWAY_AUDIT", .bool, default: "true", "Publish an audit event for every tool call and authentication failure.")
    static let auditQueue = ConfigKey("audit.queue_capacity", env: "TOLLGATE_GATEWAY_AUDIT_QUEUE", .int, default: "100000", "Events held in memory before they go to the spool file.")
    static let auditSpool = ConfigKey("audit.spool_path", env: "TOLLGATE_GATEWAY_AUDIT_SPOOL", .string, default: "", "Where events wait while Redis is unavailable (JSON lines); default /tmp/tollgate-gateway-<port>.audit-spool. Put it on a volume in containers.")
    static let redactKeys = ConfigKey("audit.redact_keys", env: "TOLLGATE_GATEWAY_REDACT_KEYS", .list, default: Redactor.defaultKeys.joined(separator: ","), "Argument keys whose values are stored as [redacted] (case-insensitive, any depth).")
    static let maxPayloadBytes = ConfigKey("audit.max_payload_bytes", env: "TOLLGATE_GATEWAY_MAX_PAYLOAD_BYTES", .int, default: "65536", "Largest captured request or response; larger ones are truncated and flagged.")
    static let upstreams = ConfigKey("upstreams", env: "TOLLGATE_GATEWAY_UPSTREAMS", .structured, "Federated MCP servers: a list of {name, transport: http|stdio, url, headers, command, args, env, prefix (default `<name>__`), timeout (default 30s), include, exclude, pin: off|warn|block (default warn)}.")
    static let upstreamRefresh = ConfigKey("upstream_refresh_interval", env: "TOLLGATE_GATEWAY_UPSTREAM_REFRESH", .duration, default: "60s", "How often upstream tool lists are refreshed (also on notifications/tools/list_changed).")
    static let upstreamWithdrawAfter = ConfigKey("upstream_withdraw_after", env: "TOLLGATE_GATEWAY_UPSTREAM_WITHDRAW_AFTER", .duration, default: "30s", "How long an upstream must stay unreachable (every request and refresh failing) before its tools are withdrawn from lists; 0s withdraws at the first failure.")
    static let listTTL = ConfigKey("mcp.list_ttl", env: "TOLLGATE_GATEWAY_LIST_TTL", .duration, default: "60s", "Longest `ttlMs` a 2026-07-28 list or discover result carries; with upstreams it is cut to the time until their next refresh. 0s tells clients not to cache.")
    static let inputTimeout = ConfigKey("mcp.input_timeout", env: "TOLLGATE_GATEWAY_INPUT_TIMEOUT", .duration, default: "5m", "How long a client has to answer an upstream's question (elicitation, sampling, roots), and how long a bridged call waits for the client's retry. An upstream's own `timeout` still bounds its whole call.")
    static let otelEndpoint = ConfigKey("otel.endpoint", env: "TOLLGATE_GATEWAY_OTEL_ENDPOINT", .string, default: "", "OTLP/HTTP endpoint that receives a span per MCP request (e.g. http://collector:4318/v1/traces); empty: no spans are exported. OTEL_* variables (batching, headers) apply as swift-otel reads them.")
    static let otelProtocol = ConfigKey("otel.protocol", env: "TOLLGATE_GATEWAY_OTEL_PROTOCOL", .string, default: "http/protobuf", "OTLP encoding: http/protobuf or http/json.")
    static let otelServiceName = ConfigKey("otel.service_name", env: "TOLLGATE_GATEWAY_OTEL_SERVICE_NAME", .string, default: "tollgate-gateway", "service.name of the exported spans.")
    static let rateBurst = ConfigKey("rate_limit.burst", env: "TOLLGATE_GATEWAY_RATE_BURST", .int, default: "100", "Bucket size: requests an identity may make at once.")

    public static var configKeys: [ConfigKey] {
        ServiceSettings.keys(for: service) + [
            serverName, instructions, allowedOrigins, corsOrigins, sessionTTL, pageSize, fixtureGroups, allowAnonymous,
            publicURL, rateLimit, rateBurst, upstreams, upstreamRefresh, upstreamWithdrawAfter, listTTL, inputTimeout, otelEndpoint, otelProtocol, otelServiceName,
        ] + AuthSettings.keys(prefix: service.environmentPrefix) + [
            auditEnabled, auditQueue, auditSpool, redactKeys, maxPayloadBytes,
        ]
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
    public var auth: AuthSettings
    /// The effective configuration with secrets redacted, for portal-api's `/server`.
    public var sanitized: JSONValue
    public var publicURL: String?
    public var rateLimitPerSecond: Int
    public var rateLimitBurst: Int
    var upstreams: [UpstreamSettings]
    public var auditEnabled: Bool
    public var auditQueueCapacity: Int
    public var auditSpoolPath: String
    public var redactKeys: [String]
    public var maxPayloadBytes: Int
    public var upstreamRefreshInterval: Duration
    public var upstreamWithdrawAfter: Duration
    public var listTTL: Duration
    public var inputTimeout: Duration
    /// Where spans go (OTLP/HTTP); nil: not exported.
    public var otelEndpoint: String?
    public var otelJSON: Bool
    public var otelServiceName: String

    public init(reader: ConfigReader) throws(ConfigError) {
        settings = try ServiceSettings(service: Self.service, reader: reader)
        sanitized = reader.sanitized(Self.configKeys)
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
        auth = try AuthSettings(prefix: Self.service.environmentPrefix, reader: reader)
        publicURL = reader.optionalString(Self.publicURL)
        rateLimitPerSecond = try reader.int(Self.rateLimit, in: 0...1_000_000)
        rateLimitBurst = try reader.int(Self.rateBurst, in: 1...10_000_000)
        upstreams = try UpstreamSettings.parse(try reader.structured(Self.upstreams))
        upstreamRefreshInterval = try reader.duration(Self.upstreamRefresh)
        upstreamWithdrawAfter = try reader.duration(Self.upstreamWithdrawAfter)
        listTTL = try reader.duration(Self.listTTL)
        inputTimeout = try reader.duration(Self.inputTimeout)
        otelEndpoint = reader.optionalString(Self.otelEndpoint)
        switch try reader.string(Self.otelProtocol) {
        case "http/protobuf": otelJSON = false
        case "http/json": otelJSON = true
        case let other: throw ConfigError("otel.protocol: '\(other)' is not http/protobuf or http/json")
        }
        otelServiceName = try reader.string(Self.otelServiceName)
        auditEnabled = try reader.bool(Self.auditEnabled)
        auditQueueCapacity = try reader.int(Self.auditQueue, in: 1...10_000_000)
        auditSpoolPath = reader.optionalString(Self.auditSpool) ?? "/tmp/tollgate-gateway-\(settings.port).audit-spool"
        redactKeys = reader.list(Self.redactKeys)
        maxPayloadBytes = try reader.int(Self.maxPayloadBytes, in: 256...(64 << 20))
    }
}
