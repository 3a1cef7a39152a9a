/// Which member names hold secrets, for redaction of everything the gateway captures.
///
/// A name matches when, lowercased and with `_`, `-` and `.` removed, it contains one of the
/// configured words (normalised the same way): `Password`, `db_password`, `X-Auth-Token`,
/// `apiKey` and `client.secret` all match the defaults.
public struct SensitiveNames: Sendable, Equatable {
    /// The default words: what operators expect hidden without configuring anything.
    public static let defaultWords = ["password", "token", "secret", "authorization", "api_key", "apikey", "credential", "cookie", "private_key"]

    /// Normalised words, never empty.
    public let words: [String]

    public init(words: [String] = Self.defaultWords) {
        self.words = Array(Set(words.map(Self.normalize).filter { !$0.isEmpty })).sorted()
    }

    /// Lowercase, without `_`, `-` and `.`.
    public static func normalize(_ name: String) -> String {
        String(String.UnicodeScalarView(name.lowercased().unicodeScalars.filter { $0 != "_" && $0 != "-" && $0 != "." }))
    }

    public func matches(_ name: String) -> Bool {
        let normalized = Self.normalize(name)
        return words.contains { normalized.contains($0) }
    }
}

extension JSONValue {
    /// This value with the values of sensitive members replaced by `redacted`, at any depth of
    /// objects and arrays. A string that holds a JSON object or array (a text content block
    /// carrying JSON, say) is redacted inside too and re-encoded, once: JSON inside JSON
    /// inside JSON is left as it is, so the cost stays linear in the input.
    public func redacting(_ names: SensitiveNames, embeddedJSON: Bool = true) -> JSONValue {
        redactingTracked(names, embeddedJSON: embeddedJSON).value
    }

    /// The redacted value and whether anything changed (an unchanged value keeps its bytes).
    public func redactingTracked(_ names: SensitiveNames, embeddedJSON: Bool = true) -> (value: JSONValue, changed: Bool) {
        switch self {
        case .object(let members):
            var changed = false
            let redacted: [(String, JSONValue)] = members.map { key, member in
                if names.matches(key) {
                    if member != .redacted { changed = true }
                    return (key, .redacted)
                }
                let (inner, innerChanged) = member.redactingTracked(names, embeddedJSON: embeddedJSON)
                changed = changed || innerChanged
                return (key, inner)
            }
            return (changed ? .object(redacted) : self, changed)
        case .array(let values):
            var changed = false
            let redacted = values.map { value in
                let (inner, innerChanged) = value.redactingTracked(names, embeddedJSON: embeddedJSON)
                changed = changed || innerChanged
                return inner
            }
            return (changed ? .array(redacted) : self, changed)
        case .string(let text) where embeddedJSON:
            guard let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
                first == UInt8(ascii: "{") || first == UInt8(ascii: "["),
                let embedded = try? JSONParser.parse(text)
            else { return (self, false) }
            let (inner, changed) = embedded.redactingTracked(names, embeddedJSON: false)
            return changed ? (.string(inner.jsonString), true) : (self, false)
        default:
            return (self, false)
        }
    }
}
