public import MCPCore
public import SharedProto
public import TollgateAuth
public import TollgateCore

/// Configuration of the portal-api service. Keys: `portal-api --config-reference`.
public struct PortalAPIConfig: ServiceConfiguration {
    public static let service = ServiceName.portalAPI

    static let gatewayURL = ConfigKey("services.gateway_url", env: "TOLLGATE_GATEWAY_URL", .string, default: "http://127.0.0.1:8080", "The gateway (tools, try-it and replay through its internal invoke route).")
    static let auditURL = ConfigKey("services.audit_url", env: "TOLLGATE_AUDIT_URL", .string, default: "http://127.0.0.1:8083", "The audit service (queries, export).")
    static let serviceTimeout = ConfigKey("services.timeout", env: "TOLLGATE_PORTAL_SERVICE_TIMEOUT", .duration, default: "15s", "Longest wait for an answer from another service; past it the route answers 503.")
    static let publicURL = ConfigKey("http.public_url", env: "TOLLGATE_PORTAL_PUBLIC_URL", .string, default: "", "External base URL of the portal (login redirect URI, cookie scope); default: from the request's Host.")
    static let corsOrigins = ConfigKey("cors.allowed_origins", env: "TOLLGATE_PORTAL_CORS_ORIGINS", .list, default: "*", "Origins that get CORS headers; `*` (seed 002's default) for any.")
    static let replayBurst = ConfigKey("replay.burst", env: "TOLLGATE_PORTAL_REPLAY_BURST", .int, default: "5", "Replays an operator may make at once (token bucket in Redis, shared by replicas).")
    static let replayRefill = ConfigKey("replay.refill_seconds", env: "TOLLGATE_PORTAL_REPLAY_REFILL", .int, default: "12", "Seconds per replay token refilled.")
    static let streamKeepalive = ConfigKey("stream.keepalive", env: "TOLLGATE_PORTAL_STREAM_KEEPALIVE", .duration, default: "30s", "Interval of `: keepalive` comments on /audit/stream.")
    static let streamBuffer = ConfigKey("stream.client_buffer", env: "TOLLGATE_PORTAL_STREAM_BUFFER", .int, default: "1000", "Announcements (batches of committed events) held for one slow stream client; past it the oldest are dropped for that client only.")
    static let streamMaxClients = ConfigKey("stream.max_clients", env: "TOLLGATE_PORTAL_STREAM_MAX_CLIENTS", .int, default: "1000", "Open /audit/stream connections at most; more get 503.")
    static let loginClientID = ConfigKey("login.client_id", env: "TOLLGATE_PORTAL_OIDC_CLIENT_ID", .string, default: "", "OAuth client id of the portal at the issuer (`auth.oidc.issuer`); empty disables browser login.")
    static let loginClientSecret = ConfigKey("login.client_secret", env: "TOLLGATE_PORTAL_OIDC_CLIENT_SECRET", .string, secret: true, "Client secret, for confidential clients (PKCE is always used).")
    static let loginScopes = ConfigKey("login.scopes", env: "TOLLGATE_PORTAL_OIDC_SCOPES", .string, default: "openid email profile", "Scopes requested at login.")
    static let loginRedirectURL = ConfigKey("login.redirect_url", env: "TOLLGATE_PORTAL_OIDC_REDIRECT_URL", .string, default: "", "Redirect URI registered at the issuer; default `<public url>/portal/auth/callback`.")
    static let sessionTTL = ConfigKey("session.ttl", env: "TOLLGATE_PORTAL_SESSION_TTL", .duration, default: "8h", "Lifetime of a browser session.")
    static let cookieSecure = ConfigKey("session.cookie_secure", env: "TOLLGATE_PORTAL_COOKIE_SECURE", .bool, default: "true", "Mark the session cookie Secure (set false only for local http).")
    static let cookieName = ConfigKey("session.cookie_name", env: "TOLLGATE_PORTAL_COOKIE_NAME", .string, default: "tollgate_session", "Name of the session cookie.")

    public static var configKeys: [ConfigKey] {
        ServiceSettings.keys(for: service) + [gatewayURL, auditURL, serviceTimeout, publicURL, corsOrigins]
            + AuthSettings.keys(prefix: service.environmentPrefix)
            + [replayBurst, replayRefill, streamKeepalive, streamBuffer, streamMaxClients]
            + [loginClientID, loginClientSecret, loginScopes, loginRedirectURL, sessionTTL, cookieSecure, cookieName]
    }

    /// Browser login (OIDC authorization code with PKCE).
    public struct Login: Sendable {
        public var clientID: String
        public var clientSecret: String?
        public var scopes: String
        public var redirectURL: String?
    }

    public var settings: ServiceSettings
    public var auth: AuthSettings
    public var gatewayURL: String
    public var auditURL: String
    public var serviceTimeout: Duration
    public var publicURL: String?
    public var corsOrigins: [String]
    public var replayBurst: Int
    public var replayRefillSeconds: Int
    public var streamKeepalive: Duration
    public var streamClientBuffer: Int
    public var streamMaxClients: Int
    /// `nil` when browser login is not configured (its routes then answer 503).
    public var login: Login?
    public var sessionTTL: Duration
    public var cookieSecure: Bool
    public var cookieName: String
    /// The effective configuration with secrets redacted, for `/api/v1/portal/server`.
    public var sanitized: JSONValue

    public init(reader: ConfigReader) throws(ConfigError) {
        settings = try ServiceSettings(service: Self.service, reader: reader)
        sanitized = reader.sanitized(Self.configKeys)
        auth = try AuthSettings(prefix: Self.service.environmentPrefix, reader: reader)
        gatewayURL = try Self.url(reader, Self.gatewayURL)
        auditURL = try Self.url(reader, Self.auditURL)
        serviceTimeout = try reader.duration(Self.serviceTimeout)
        publicURL = reader.optionalString(Self.publicURL).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        corsOrigins = reader.list(Self.corsOrigins)
        replayBurst = try reader.int(Self.replayBurst, in: 1...1000)
        replayRefillSeconds = try reader.int(Self.replayRefill, in: 1...86400)
        streamKeepalive = try reader.duration(Self.streamKeepalive)
        streamClientBuffer = try reader.int(Self.streamBuffer, in: 1...1_000_000)
        streamMaxClients = try reader.int(Self.streamMaxClients, in: 1...100_000)
        if let clientID = reader.optionalString(Self.loginClientID) {
            guard auth.oidc != nil else { throw ConfigError("login.client_id needs auth.oidc.issuer (TOLLGATE_OIDC_ISSUER)") }
            login = Login(
                clientID: clientID, clientSecret: reader.optionalString(Self.loginClientSecret),
                scopes: try reader.string(Self.loginScopes), redirectURL: reader.optionalString(Self.loginRedirectURL)
            )
        } else {
            login = nil
        }
        sessionTTL = try reader.duration(Self.sessionTTL)
        cookieSecure = try reader.bool(Self.cookieSecure)
        cookieName = try reader.string(Self.cookieName)
        guard cookieName.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !"()<>@,;:\\\"/[]?={}".utf8.contains($0) }) else {
            throw ConfigError("session.cookie_name must be a cookie token (letters, digits, -_.)")
        }
    }

    private static func url(_ reader: ConfigReader, _ key: ConfigKey) throws(ConfigError) -> String {
        let text = try reader.string(key)
        guard text.hasPrefix("http://") || text.hasPrefix("https://") else { throw ConfigError("\(key.path) (\(key.environment)) must be an http(s) URL") }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}
