import MCPCore

/// Replaces the values of sensitive keys with `"[redacted]"` before anything is audited.
/// Keys match case-insensitively at any depth of objects and arrays (`JSONValue.redacting`).
struct Redactor: Sendable {
    /// The default list, as the reference system uses.
    static let defaultKeys = ["password", "token", "secret", "authorization", "api_key", "credentials", "cookie"]
    /// Headers that are always redacted, whatever the configuration.
    static let credentialHeaders: Set<String> = ["authorization", "x-api-key", "cookie", "set-cookie", "proxy-authorization", "x-tollgate-internal-token"]

    let keys: Set<String>

    init(keys: [String]) {
        self.keys = Set(keys.map { $0.lowercased() })
    }

    func redact(_ value: JSONValue) -> JSONValue {
        value.redacting(keys: keys)
    }

    /// Headers as `{name: [values]}`, credentials redacted.
    static func headers(_ pairs: [(String, String)]) -> JSONValue {
        var grouped: [(String, [JSONValue])] = []
        for (name, value) in pairs {
            let lower = name.lowercased()
            let shown: JSONValue = credentialHeaders.contains(lower) ? .redacted : .string(value)
            if let index = grouped.firstIndex(where: { $0.0 == lower }) {
                grouped[index].1.append(shown)
            } else {
                grouped.append((lower, [shown]))
            }
        }
        return .object(grouped.map { ($0.0, .array($0.1)) })
    }
}
