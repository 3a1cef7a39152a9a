import MCPCore

/// Hides secrets in everything the gateway captures for the audit trail: arguments, results
/// (`structuredContent`, JSON inside text blocks), error data, notifications and headers.
/// Member and header names match `SensitiveNames` (case-insensitive substrings, `_`, `-`
/// and `.` ignored); credential headers are always hidden.
struct Redactor: Sendable {
    /// The default words (`audit.redact_keys`).
    static let defaultKeys = SensitiveNames.defaultWords
    /// Headers that are always redacted, whatever the configuration.
    static let credentialHeaders: Set<String> = ["authorization", "x-api-key", "cookie", "set-cookie", "proxy-authorization", "x-tollgate-internal-token"]
    /// Longest header value kept; a longer one is cut and flagged.
    static let maximumHeaderValueBytes = 1024

    let names: SensitiveNames

    init(keys: [String]) {
        self.names = SensitiveNames(words: keys)
    }

    func redact(_ value: JSONValue) -> JSONValue {
        value.redacting(names)
    }

    /// Headers as `{name: [values]}`, credentials and sensitive names redacted, each value at
    /// most `maximumHeaderValueBytes` and the whole at most `budget` bytes: headers past the
    /// budget are left out and counted under `"(truncated)"`.
    func headers(_ pairs: [(String, String)], budget: Int) -> JSONValue {
        var grouped: [(String, [JSONValue])] = []
        var used = 2
        var omitted = 0
        for (name, value) in pairs {
            let lower = name.lowercased()
            let shown: JSONValue
            if Self.credentialHeaders.contains(lower) || names.matches(lower) {
                shown = .redacted
            } else if value.utf8.count > Self.maximumHeaderValueBytes {
                shown = .string(String(decoding: value.utf8.prefix(Self.maximumHeaderValueBytes), as: UTF8.self) + "…[truncated]")
            } else {
                shown = .string(value)
            }
            let cost = lower.utf8.count + (shown.stringValue?.utf8.count ?? 0) + 8
            guard used + cost <= budget else {
                omitted += 1
                continue
            }
            used += cost
            if let index = grouped.firstIndex(where: { $0.0 == lower }) {
                grouped[index].1.append(shown)
            } else {
                grouped.append((lower, [shown]))
            }
        }
        if omitted > 0 { grouped.append(("(truncated)", [.string("\(omitted) more headers not captured")])) }
        return .object(grouped.map { ($0.0, .array($0.1)) })
    }
}
