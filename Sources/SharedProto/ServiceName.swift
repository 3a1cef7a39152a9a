/// The four Tollgate services. The raw value is the name used in logs, metrics,
/// Postgres roles (`tollgate_<schema>`) and environment variables.
public enum ServiceName: String, Sendable, Codable, CaseIterable {
    case gateway
    case audit
    case keys
    case portalAPI = "portal-api"

    /// The Postgres schema the service owns; no other service may read it.
    public var schema: String {
        switch self {
        case .gateway: "gateway"
        case .audit: "audit"
        case .keys: "keys"
        case .portalAPI: "portal"
        }
    }

    /// The Postgres role the service connects as.
    public var databaseRole: String { "tollgate_\(schema)" }

    /// Prefix of the service's own environment variables, e.g. `TOLLGATE_PORTAL`.
    public var environmentPrefix: String {
        switch self {
        case .portalAPI: "TOLLGATE_PORTAL"
        default: "TOLLGATE_\(rawValue.uppercased())"
        }
    }

    /// The port the service listens on unless configured otherwise.
    public var defaultPort: Int {
        switch self {
        case .gateway: 8080
        case .portalAPI: 8081
        case .keys: 8082
        case .audit: 8083
        }
    }
}
