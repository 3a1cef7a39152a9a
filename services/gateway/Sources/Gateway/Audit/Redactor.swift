import MCPCore

/// Replaces the values of sensitive keys with `"[redacted]"` before anything is audited.
/// Keys match case-insensitively at any depth of objects and arrays.
struct Redactor: Sendable {
    /// The default list, as the reference system uses.
    static let defaultKeys = ["password", "token", "secret", "authorization", "api_key", "credentials", "cookie"]
    /// Headers that are always redacted, whatever the configuration.
    static let credentialHeaders: Set<String> = ["authorization", "x-api-key", "cookie", "set-cookie", "proxy-authorization", "x-tollgate-internal-token"]
    static let marker: JSONValue = "[redacted]"

    let keys: Set<String>

    init(keys: [String]) {
        self.keys = Set(keys.map { $0.lowercased() })
    }

    func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(members.map { key, member in keys.contains(key.lowercased()) ? (key, Self.marker) : (key, redact(member)) })
        case .array(let values):
            return .array(values.map(redact))
        default:
            return value
        }
    }

    /// Headers as `{name: [values]}`, credentials redacted.
    static func headers(_ pairs: [(String, String)]) -> JSONValue {
        var grouped: [(String, [JSONValue])] = []
        for (name, value) in pairs {
            let lower = name.lowercased()
            let shown: JSONValue = credentialHeaders.contains(lower) ? marker : .string(value)
            if let index = grouped.firstIndex(where: { $0.0 == lower }) {
                grouped[index].1.append(shown)
            } else {
                grouped.append((lower, [shown]))
            }
        }
        return .object(grouped.map { ($0.0, .array($0.1)) })
    }
}
