/// A forward-only JSON reader over bytes: the caller walks an object key by key and reads each
/// value as the type it expects, so an audit event is decoded straight into its fields. Built
/// by hand because MCPCore's parser builds a tree of `JSONValue`s first, and building and
/// freeing that tree was most of the consumer's decoding CPU; this reader keeps its grammar
/// (RFC 8259), its checks (UTF-8, escapes, surrogate pairs, control characters, a nesting bound
/// for skipped values) and its rule for repeated keys (the caller's last read wins). Linear in
/// the input.
struct JSONPullReader {
    /// Text that is not JSON.
    struct SyntaxError: Error, CustomStringConvertible {
        var message: String
        var offset: Int
        var description: String { "\(message) at byte \(offset)" }
    }

    /// A value of another type than the one asked for.
    struct Mismatch: Error {}

    static let maximumDepth = 128

    let input: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Inside an object, whether a comma must come before the next key.
    private var afterMember = false

    init(_ input: UnsafeBufferPointer<UInt8>) {
        self.input = input
    }

    /// Throws unless only whitespace is left.
    mutating func finish() throws {
        skipWhitespace()
        guard index == input.count else { throw failure("unexpected data after the JSON value") }
    }

    /// Enters the object that comes next (a `Mismatch` for any other value).
    mutating func beginObject() throws {
        skipWhitespace()
        guard peek == UInt8(ascii: "{") else { throw peek == nil ? failure("unexpected end of JSON") : Mismatch() }
        index += 1
        afterMember = false
    }

    /// The next key of the object entered last, its value to be read next; nil at its end.
    mutating func nextKey() throws -> String? {
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            afterMember = true
            return nil
        }
        if afterMember {
            guard peek == UInt8(ascii: ",") else { throw failure("expected ',' or '}'") }
            index += 1
            skipWhitespace()
        }
        guard peek == UInt8(ascii: "\"") else { throw failure("expected a string key") }
        let key = try stringToken()
        skipWhitespace()
        guard peek == UInt8(ascii: ":") else { throw failure("expected ':'") }
        index += 1
        afterMember = true
        return key
    }

    /// Consumes a `null` if one comes next.
    mutating func null() throws -> Bool {
        skipWhitespace()
        guard peek == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// A string, or nil for `null`.
    mutating func string() throws -> String? {
        if try null() { return nil }
        guard peek == UInt8(ascii: "\"") else { try typeMismatch() }
        return try stringToken()
    }

    /// A number's text as written, or nil for `null`.
    mutating func number() throws -> String? {
        if try null() { return nil }
        guard let byte = peek, byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { try typeMismatch() }
        return try numberToken()
    }

    /// A boolean, or nil for `null`.
    mutating func bool() throws -> Bool? {
        if try null() { return nil }
        switch peek {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        default: try typeMismatch()
        }
    }

    /// Reads past the next value, checking it as a parser would.
    mutating func skipValue(depth: Int = 1) throws {
        guard depth <= Self.maximumDepth else { throw failure("JSON nested deeper than \(Self.maximumDepth) levels") }
        skipWhitespace()
        switch peek {
        case UInt8(ascii: "{"):
            try beginObject()
            while try nextKey() != nil { try skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if peek == UInt8(ascii: "]") {
                index += 1
                break
            }
            while true {
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard let byte = peek, byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
                index += 1
                if byte == UInt8(ascii: "]") { break }
            }
        case UInt8(ascii: "\""): _ = try stringToken()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case nil: throw failure("unexpected end of JSON")
        default: _ = try numberToken()
        }
        afterMember = true
    }

    private var peek: UInt8? { index < input.count ? input[index] : nil }

    private func failure(_ message: String) -> SyntaxError {
        SyntaxError(message: message, offset: index)
    }

    /// A value is there but of another type: still a syntax error if it is not JSON at all.
    private mutating func typeMismatch() throws -> Never {
        try skipValue()
        throw Mismatch()
    }

    private mutating func skipWhitespace() {
        while index < input.count {
            switch input[index] {
            case 0x20, 0x09, 0x0a, 0x0d: index += 1
            default: return
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard input.count - index >= count else { throw failure("unexpected end of JSON") }
        for offset in 0..<count where input[index + offset] != word.utf8Start[offset] { throw failure("invalid literal") }
        index += count
    }
}
