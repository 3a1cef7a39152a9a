public import TollgateCore

/// How a public service (gateway, portal-api) authenticates callers: static keys, database
/// keys through the keys service, OIDC bearer tokens. `keys(prefix:)` is the documentation;
/// the OIDC keys use the same variables in every service, so one issuer serves both.
public struct AuthSettings: Sendable {
    /// A static key from configuration.
    public struct StaticKey: Sendable, Equatable {
        public var name: String
        public var key: String
        public var scopes: [String]

        public init(name: String, key: String, scopes: [String]) {
            self.name = name
            self.key = key
            self.scopes = scopes
        }
    }

    public var staticKeys: [StaticKey]
    /// Names database keys may not take: every static key's, and `dev` always (it is the
    /// development key's name wherever one is configured).
    public var reservedKeyNames: Set<String> { Set(staticKeys.map(\.name) + ["dev"]) }
    public var keysURL: String
    public var keyCacheTTL: Duration
    public var keyNegativeTTL: Duration
    public var oidc: OIDCSettings?

    /// The keys, with the service's variable prefix (e.g. `TOLLGATE_GATEWAY`) where they differ per service.
    public static func keys(prefix: String) -> [ConfigKey] {
        [
            ConfigKey("auth.dev_api_key", env: "TOLLGATE_DEV_API_KEY", .string, secret: true, "Static key named `dev` with every scope (for local development)."),
            ConfigKey("auth.static_keys", env: "\(prefix)_STATIC_KEYS", .list, secret: true, "Static keys as `name:key[:scope+scope]`, compared in constant time."),
            ConfigKey("auth.keys_url", env: "TOLLGATE_KEYS_URL", .string, default: "http://127.0.0.1:8082", "The keys service, for database API keys."),
            ConfigKey("auth.key_cache_ttl", env: "\(prefix)_KEY_CACHE_TTL", .duration, default: "60s", "How long a validated key is cached (revocations drop it at once)."),
            ConfigKey("auth.key_negative_cache_ttl", env: "\(prefix)_KEY_NEGATIVE_TTL", .duration, default: "5s", "How long a refused key is remembered."),
            ConfigKey("auth.oidc.issuer", env: "TOLLGATE_OIDC_ISSUER", .string, default: "", "OIDC issuer URL; empty disables bearer JWTs. Its discovery document and JWKS are fetched and cached."),
            ConfigKey("auth.oidc.audience", env: "TOLLGATE_OIDC_AUDIENCE", .string, default: "tollgate", "Audience a bearer token's `aud` must contain."),
            ConfigKey("auth.oidc.allowed_clients", env: "TOLLGATE_OIDC_ALLOWED_CLIENTS", .list, default: "", "When set, `azp`/`client_id` must be one of these."),
            ConfigKey("auth.oidc.clock_skew_seconds", env: "TOLLGATE_OIDC_CLOCK_SKEW", .int, default: "60", "Tolerance for exp, nbf and iat."),
            ConfigKey("auth.oidc.roles_claim", env: "TOLLGATE_OIDC_ROLES_CLAIM", .string, default: "roles", "Dotted path of the roles claim (e.g. realm_access.roles)."),
            ConfigKey("auth.oidc.role_tools", env: "TOLLGATE_OIDC_ROLE_TOOLS", .structured, "Role → list of tool globs. Unset: OIDC callers may call every tool; set: only their roles' tools."),
            ConfigKey("auth.oidc.admin_roles", env: "TOLLGATE_OIDC_ADMIN_ROLES", .list, default: "admin", "OIDC roles that carry the `admin` scope (minting and revoking keys, try-it)."),
        ]
    }

    public init(prefix: String, reader: ConfigReader) throws(ConfigError) {
        let keys = Dictionary(uniqueKeysWithValues: Self.keys(prefix: prefix).map { ($0.path, $0) })
        func key(_ path: String) -> ConfigKey { keys[path]! }

        var staticKeys: [StaticKey] = []
        if let dev = reader.optionalString(key("auth.dev_api_key")) {
            staticKeys.append(StaticKey(name: "dev", key: dev, scopes: ["admin"]))
        }
        for entry in reader.list(key("auth.static_keys")) {
            let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, !parts[0].isEmpty, parts[1].count >= 16 else {
                throw ConfigError("auth.static_keys: entries are name:key[:scope+scope] with keys of 16+ characters")
            }
            // A database key's subject is `apikey:<16 hex id>`: a static key with such a name
            // would share subjects (sessions, audit rows) with it.
            guard !(parts[0].count == 16 && parts[0].allSatisfy(\.isHexDigit)) else {
                throw ConfigError("auth.static_keys: the name '\(parts[0])' looks like a database key id; choose another")
            }
            staticKeys.append(StaticKey(name: parts[0], key: parts[1], scopes: parts.count > 2 ? parts[2].split(separator: "+").map(String.init) : []))
        }
        self.staticKeys = staticKeys
        keysURL = try reader.string(key("auth.keys_url"))
        keyCacheTTL = try reader.duration(key("auth.key_cache_ttl"))
        keyNegativeTTL = try reader.duration(key("auth.key_negative_cache_ttl"))
        guard let issuer = reader.optionalString(key("auth.oidc.issuer")) else {
            oidc = nil
            return
        }
        guard issuer.hasPrefix("https://") || issuer.hasPrefix("http://") else { throw ConfigError("auth.oidc.issuer must be a URL") }
        var roleTools: [String: [String]] = [:]
        if let mapping = try reader.structured(key("auth.oidc.role_tools")), mapping != .null {
            guard let members = mapping.objectValue else { throw ConfigError("auth.oidc.role_tools must map roles to lists of tool globs") }
            for (role, globs) in members {
                guard let list = globs.arrayValue?.compactMap(\.stringValue) else { throw ConfigError("auth.oidc.role_tools.\(role) must be a list") }
                roleTools[role] = list
            }
        }
        oidc = OIDCSettings(
            issuer: issuer, audience: try reader.string(key("auth.oidc.audience")), allowedClients: reader.list(key("auth.oidc.allowed_clients")),
            clockSkewSeconds: try reader.int(key("auth.oidc.clock_skew_seconds"), in: 0...3600), rolesClaim: try reader.string(key("auth.oidc.roles_claim")),
            roleTools: roleTools, adminRoles: reader.list(key("auth.oidc.admin_roles"))
        )
    }
}
