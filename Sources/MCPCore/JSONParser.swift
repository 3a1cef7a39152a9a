/// Why a JSON text was refused; `offset` is the byte where parsing stopped.
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public let offset: Int

    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 parser producing `JSONValue`, with a nesting limit.
///
/// Written by hand because no package in the mirror keeps number literals as written, and a
/// gateway that rewrites `1.0` as `1` changes its clients' data. `rawMembers` returns the
/// exact bytes of each top-level member, so values can be forwarded without re-encoding.
public struct JSONParser {
    public static let defaultMaximumDepth = 128

    private let bytes: [UInt8]
    private var index = 0
    private let maximumDepth: Int
    /// False when only validity and spans are wanted: nested values are checked but not built.
    private let buildsValues: Bool

    private init(_ bytes: [UInt8], maximumDepth: Int, buildsValues: Bool = true) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        self.buildsValues = buildsValues
    }

    /// Parses a complete JSON text (surrounding whitespace allowed, nothing else).
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes, maximumDepth: maximumDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected data after the JSON value") }
        return value
    }

    public static func parse(_ text: String, maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }

    /// The top-level members of a JSON object as their exact source bytes, in order. The whole
    /// text is validated (grammar, UTF-8, depth) without building the values.
    public static func rawMembers(of bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> [(key: String, raw: ArraySlice<UInt8>)] {
        try members(of: bytes, maximumDepth: maximumDepth, buildsValues: false).map { ($0.key, $0.raw) }
    }

    /// The top-level members of a JSON object, each with its exact source bytes and its parsed
    /// value, from one pass: a caller that needs both (a JSON-RPC message: its `params` value
    /// and raw bytes) does not parse the text twice.
    public static func members(
        of bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONParseError) -> [(key: String, raw: ArraySlice<UInt8>, value: JSONValue)] {
        try members(of: bytes, maximumDepth: maximumDepth, buildsValues: true)
    }

    private static func members(
        of bytes: [UInt8], maximumDepth: Int, buildsValues: Bool
    ) throws(JSONParseError) -> [(key: String, raw: ArraySlice<UInt8>, value: JSONValue)] {
        var parser = JSONParser(bytes, maximumDepth: maximumDepth, buildsValues: buildsValues)
        parser.skipWhitespace()
        guard parser.peek == UInt8(ascii: "{") else { throw parser.error("expected a JSON object") }
        parser.index += 1
        var members: [(key: String, raw: ArraySlice<UInt8>, value: JSONValue)] = []
        parser.skipWhitespace()
        if parser.peek == UInt8(ascii: "}") {
            parser.index += 1
        } else {
            while true {
                parser.skipWhitespace()
                let key = try parser.parseString()
                parser.skipWhitespace()
                try parser.expect(UInt8(ascii: ":"))
                parser.skipWhitespace()
                let start = parser.index
                let value = try parser.parseValue(depth: 1)
                members.append((key, bytes[start..<parser.index], value))
                parser.skipWhitespace()
                if parser.peek == UInt8(ascii: ",") {
                    parser.index += 1
                    continue
                }
                try parser.expect(UInt8(ascii: "}"))
                break
            }
        }
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected data after the JSON value") }
        return members
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func error(_ message: String) -> JSONParseError {
        JSONParseError(message: message, offset: index)
    }

    private mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        guard peek == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            index += 1
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw error("JSON nested deeper than \(maximumDepth) levels") }
        guard let byte = peek else { throw error("unexpected end of JSON") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""):
            if buildsValues { return .string(try parseString()) }
            _ = try parseString(building: false)
            return .null
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let number = try parseNumber()
            return buildsValues ? .number(number) : .null
        default: throw error("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of JSON") }
        let matches = word.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[index + $0] == expected[$0] }
        }
        guard matches else { throw error("invalid literal") }
        index += count
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard buildsValues else { return try skipObject(depth: depth) }
        index += 1
        var members: [(String, JSONValue)] = []
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        // Duplicate keys are found by hashing, so an object of n keys costs O(n), not O(n²):
        // a repeated key's earlier slot is marked dead and dropped once at the end.
        var positions = KeyTable()
        var dead: [Int] = []
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            if let existing = positions.insert(key, at: members.count, in: members) {
                dead.append(existing)
            }
            members.append((key, value))
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"))
            if !dead.isEmpty {
                let removed = Set(dead)
                members = members.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
            }
            return .object(members)
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        index += 1
        var values: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return .array(values)
        }
        while true {
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            if buildsValues { values.append(value) }
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "]"))
            return .array(values)
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> String {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, first >= 0x30, first <= 0x39 else { throw error("invalid number") }
        if first == 0x30 {
            index += 1
        } else {
            while let digit = peek, digit >= 0x30, digit <= 0x39 { index += 1 }
        }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard let digit = peek, digit >= 0x30, digit <= 0x39 else { throw error("invalid number") }
            while let digit = peek, digit >= 0x30, digit <= 0x39 { index += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek, digit >= 0x30, digit <= 0x39 else { throw error("invalid number") }
            while let digit = peek, digit >= 0x30, digit <= 0x39 { index += 1 }
        }
        return buildsValues ? String(decoding: bytes[start..<index], as: UTF8.self) : ""
    }

    /// An object checked for grammar only: no members kept, so repeated keys do not matter.
    private mutating func skipObject(depth: Int) throws(JSONParseError) -> JSONValue {
        index += 1
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return .null
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
            _ = try parseString(building: false)
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            _ = try parseValue(depth: depth + 1)
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"))
            return .null
        }
    }

    /// A string without escapes becomes a `String` straight from its bytes (validated here);
    /// only a string with escapes is assembled, in a byte buffer. Not `building`: checked the
    /// same way, and "" returned.
    private mutating func parseString(building: Bool = true) throws(JSONParseError) -> String {
        guard peek == UInt8(ascii: "\"") else { throw error("expected a string") }
        index += 1
        let start = index
        var unescaped: [UInt8]?
        var runStart = index
        while true {
            guard index < bytes.count else { throw error("unterminated string") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let end = index
                index += 1
                guard building else { return "" }
                guard var assembled = unescaped else { return String(decoding: bytes[start..<end], as: UTF8.self) }
                assembled.append(contentsOf: bytes[runStart..<end])
                return String(decoding: assembled, as: UTF8.self)
            case UInt8(ascii: "\\") where !building:
                index += 1
                _ = try escapedScalar()
            case UInt8(ascii: "\\"):
                var assembled = unescaped ?? []
                unescaped = nil  // keep the buffer uniquely referenced while appending
                assembled.append(contentsOf: bytes[runStart..<index])
                index += 1
                assembled.append(contentsOf: UTF8.encode(try escapedScalar())!)
                unescaped = assembled
                runStart = index
            case 0x00..<0x20:
                throw error("control character in string")
            case 0x80...:
                index += try utf8SequenceLength(at: index)
            default:
                index += 1
            }
        }
    }

    /// The length of the well-formed UTF-8 sequence at `position` (RFC 3629: no overlong
    /// forms, no surrogates, nothing past U+10FFFF), or an error.
    private func utf8SequenceLength(at position: Int) throws(JSONParseError) -> Int {
        let lead = bytes[position]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw JSONParseError(message: "invalid UTF-8 in string", offset: position)
        }
        guard position + length <= bytes.count else { throw JSONParseError(message: "invalid UTF-8 in string", offset: position) }
        let second = bytes[position + 1]
        guard second >= low, second <= high else { throw JSONParseError(message: "invalid UTF-8 in string", offset: position) }
        for offset in 2..<length where bytes[position + offset] & 0xC0 != 0x80 {
            throw JSONParseError(message: "invalid UTF-8 in string", offset: position)
        }
        return length
    }

    /// The character an escape stands for; `index` is just past the backslash. A `\\u`
    /// surrogate must be a complete pair.
    private mutating func escapedScalar() throws(JSONParseError) -> Unicode.Scalar {
        guard let escape = peek else { throw error("unterminated string") }
        index += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return Unicode.Scalar(escape)
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hex4()
            if (0xD800...0xDBFF).contains(unit) {
                guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("lone surrogate in string")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                return Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))!
            }
            guard !(0xDC00...0xDFFF).contains(unit) else { throw error("lone surrogate in string") }
            return Unicode.Scalar(unit)!
        default:
            throw error("invalid escape")
        }
    }

    private mutating func hex4() throws(JSONParseError) -> UInt16 {
        guard index + 4 <= bytes.count else { throw error("invalid \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt16
            switch byte {
            case 0x30...0x39: digit = UInt16(byte - 0x30)
            case 0x41...0x46: digit = UInt16(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt16(byte - 0x61 + 10)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

/// The member positions of one object being parsed, by key, for finding repeated keys.
///
/// Written by hand instead of `[String: Int]` because the dictionary rehashed every key each
/// time it grew: on a body of 100,000 keys that was a fifth of the parse. Here each key is
/// hashed once (Swift's seeded SipHash, so crafted collisions cannot make it quadratic) and
/// the hash is kept; growing moves integers. Up to 8 members a linear scan is cheaper. The
/// table holds only the latest member of each key.
struct KeyTable {
    private var hashes: [Int] = []
    /// Open addressing: an index into `hashes`, or -1.
    private var slots: [Int32] = []

    /// Records `key` at member `index`; returns the earlier member index of the same key.
    mutating func insert(_ key: String, at index: Int, in members: [(String, JSONValue)]) -> Int? {
        let hash = key.hashValue
        hashes.append(hash)
        if slots.isEmpty {
            if hashes.count <= 8 {
                // The latest earlier member with this key (an older one was already replaced).
                for earlier in stride(from: index - 1, through: 0, by: -1) where hashes[earlier] == hash && members[earlier].0 == key {
                    return earlier
                }
                return nil
            }
            // The object outgrew the linear scan: a table of the live members so far.
            let live = (0..<index).filter { member in
                !((member + 1)..<index).contains { later in hashes[later] == hashes[member] && members[later].0 == members[member].0 }
            }
            rebuild(capacity: 64, live: live)
        } else if hashes.count * 2 > slots.count {
            rebuild(capacity: slots.count * 2, live: slots.filter { $0 >= 0 }.map(Int.init))
        }
        let mask = slots.count - 1
        var slot = hash & mask
        while true {
            let occupant = Int(slots[slot])
            if occupant < 0 {
                slots[slot] = Int32(index)
                return nil
            }
            if hashes[occupant] == hash, members[occupant].0 == key {
                slots[slot] = Int32(index)
                return occupant
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func rebuild(capacity: Int, live: [Int]) {
        var size = 16
        while size < capacity { size *= 2 }
        slots = Array(repeating: -1, count: size)
        let mask = size - 1
        for member in live {
            var slot = hashes[member] & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(member)
        }
    }
}
