extension JSONPullReader {
    /// The string at `index` (its opening quote), unescaped. UTF-8 is checked only when a byte
    /// past ASCII was seen (`String(validating:)` took its generic path: a fifth of decoding).
    mutating func stringToken() throws -> String {
        index += 1
        let start = index
        var unescaped: [UInt8]?
        var runStart = index
        var ascii = true
        while index < input.count {
            let byte = input[index]
            switch byte {
            case UInt8(ascii: "\""):
                let end = index
                index += 1
                guard var assembled = unescaped else { return try Self.text(UnsafeBufferPointer(rebasing: input[start..<end]), ascii: ascii, at: start) }
                assembled.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<end]))
                return try assembled.withUnsafeBufferPointer { try Self.text($0, ascii: ascii, at: start) }
            case UInt8(ascii: "\\"):
                var assembled = unescaped ?? []
                unescaped = nil  // keeps the buffer uniquely referenced while appending
                assembled.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<index]))
                index += 1
                assembled.append(contentsOf: UTF8.encode(try escapedScalar())!)
                unescaped = assembled
                runStart = index
            case 0x00..<0x20:
                throw SyntaxError(message: "control character in string", offset: index)
            case 0x80...:
                ascii = false
                index += 1
            default:
                index += 1
            }
        }
        throw SyntaxError(message: "unterminated string", offset: index)
    }

    /// `bytes` as a string; refused unless valid UTF-8 (decoding repairs invalid sequences, so a
    /// repaired text differs from its bytes). Escapes only add valid UTF-8, so `ascii` (no raw
    /// byte past ASCII in the input) means no check is needed.
    private static func text(_ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool, at offset: Int) throws -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard ascii || text.utf8.elementsEqual(bytes) else { throw SyntaxError(message: "invalid UTF-8 in string", offset: offset) }
        return text
    }

    private mutating func hexQuad() throws -> UInt32 {
        guard let value = JSONEscape.hexQuad(input, &index) else { throw SyntaxError(message: "invalid \\u escape", offset: index) }
        return value
    }

    /// The scalar of the escape after a backslash; a surrogate pair's two escapes give one.
    private mutating func escapedScalar() throws -> Unicode.Scalar {
        guard index < input.count else { throw SyntaxError(message: "unterminated string", offset: index) }
        let escape = input[index]
        index += 1
        if let byte = JSONEscape.simple(escape) { return Unicode.Scalar(byte) }
        switch escape {
        case UInt8(ascii: "u"):
            let unit = try hexQuad()
            if (0xD800...0xDBFF).contains(unit) {
                guard input.count - index >= 2, input[index] == UInt8(ascii: "\\"), input[index + 1] == UInt8(ascii: "u") else {
                    throw SyntaxError(message: "lone surrogate in string", offset: index)
                }
                index += 2
                let low = try hexQuad()
                guard (0xDC00...0xDFFF).contains(low) else { throw SyntaxError(message: "invalid surrogate pair", offset: index) }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(unit) else { throw SyntaxError(message: "lone surrogate in string", offset: index) }
            return scalar
        default:
            throw SyntaxError(message: "invalid escape", offset: index)
        }
    }

    /// A number's text, checked against JSON's grammar.
    mutating func numberToken() throws -> String {
        let start = index
        if input[index] == UInt8(ascii: "-") { index += 1 }
        guard digitAtIndex else { throw SyntaxError(message: "invalid number", offset: index) }
        if input[index] == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        if index < input.count, input[index] == UInt8(ascii: ".") {
            index += 1
            guard digitAtIndex else { throw SyntaxError(message: "invalid number", offset: index) }
            skipDigits()
        }
        if index < input.count, input[index] == UInt8(ascii: "e") || input[index] == UInt8(ascii: "E") {
            index += 1
            if index < input.count, input[index] == UInt8(ascii: "+") || input[index] == UInt8(ascii: "-") { index += 1 }
            guard digitAtIndex else { throw SyntaxError(message: "invalid number", offset: index) }
            skipDigits()
        }
        return String(decoding: UnsafeBufferPointer(rebasing: input[start..<index]), as: UTF8.self)
    }

    private var digitAtIndex: Bool {
        index < input.count && input[index] >= UInt8(ascii: "0") && input[index] <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while digitAtIndex { index += 1 }
    }
}
