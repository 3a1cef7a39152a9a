extension JSONValue {
    /// What a hidden value is replaced with: in audit rows (the gateway's redaction) and in the
    /// configuration services show to operators. A replay refuses arguments that contain it.
    public static let redacted: JSONValue = "[redacted]"

    /// This value with the values of object members named in `keys` replaced by `redacted`, at
    /// any depth of objects and arrays. `keys` are lowercase; member names match case-insensitively.
    public func redacting(keys: Set<String>) -> JSONValue {
        switch self {
        case .object(let members):
            .object(members.map { key, member in keys.contains(key.lowercased()) ? (key, .redacted) : (key, member.redacting(keys: keys)) })
        case .array(let values):
            .array(values.map { $0.redacting(keys: keys) })
        default:
            self
        }
    }

    /// Whether `redacted` stands anywhere in this value.
    public var containsRedaction: Bool {
        switch self {
        case .string: self == .redacted
        case .array(let values): values.contains { $0.containsRedaction }
        case .object(let members): members.contains { $0.1.containsRedaction }
        default: false
        }
    }
}
