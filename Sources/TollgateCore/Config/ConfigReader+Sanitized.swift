import Foundation
public import MCPCore

extension ConfigReader {
    /// Member names whose values are hidden inside structured values (upstream headers and
    /// environments carry credentials).
    static let sensitiveMembers: Set<String> = ["headers", "env", "password", "token", "secret", "authorization", "api_key", "client_secret"]

    /// The effective configuration as JSON (`path` → value), for operators to read: secret keys
    /// show `[redacted]` when set, structured values have their credential members redacted.
    public func sanitized(_ keys: [ConfigKey]) -> JSONValue {
        .object(keys.map { key in
            if key.type == .structured {
                guard let value = (try? structured(key)) ?? nil else { return (key.path, .null) }
                return (key.path, key.isSecret ? .redacted : value.redacting(keys: Self.sensitiveMembers))
            }
            guard let text = raw(key), !text.isEmpty else { return (key.path, .null) }
            if key.isSecret { return (key.path, .redacted) }
            switch key.type {
            case .int, .bool: return (key.path, (try? JSONParser.parse(text)) ?? .string(text))
            case .list: return (key.path, .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }))
            default: return (key.path, .string(text))
            }
        })
    }
}
