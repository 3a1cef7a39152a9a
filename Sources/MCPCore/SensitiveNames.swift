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
    private let wordBytes: [[UInt8]]

    public init(words: [String] = Self.defaultWords) {
        self.words = Array(Set(words.map(Self.normalize).filter { !$0.isEmpty })).sorted()
        self.wordBytes = self.words.map { Array($0.utf8) }
    }

    /// Lowercase, without `_`, `-` and `.`.
    public static func normalize(_ name: String) -> String {
        String(String.UnicodeScalarView(name.lowercased().unicodeScalars.filter { $0 != "_" && $0 != "-" && $0 != "." }))
    }

    /// Whether `name` holds a word. Runs on every member name the gateway captures (a body
    /// can hold 100,000 of them), so it works on UTF-8 bytes: ASCII letters folded to lower
    /// case, `_`, `-` and `.` skipped, in a stack buffer for ordinary names. Words are ASCII
    /// in practice; a non-ASCII word still matches byte for byte.
    public func matches(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { raw in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: raw.count) { buffer in
                var count = 0
                for byte in raw where byte != 0x5F && byte != 0x2D && byte != 0x2E {
                    buffer[count] = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
                    count += 1
                }
                let normalized = UnsafeBufferPointer(rebasing: buffer[..<count])
                return wordBytes.contains { Self.contains(normalized, $0) }
            }
        }
    }

    private static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
        let first = needle[0]
        var start = 0
        while start + needle.count <= haystack.count {
            if haystack[start] == first {
                var offset = 1
                while offset < needle.count, haystack[start + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            start += 1
        }
        return false
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
