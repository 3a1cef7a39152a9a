extension JSONBRenderer {
    /// Reads the string at `index` (its opening quote) and appends its unescaped UTF-8 to `text`.
    /// Refused as Postgres refuses them: raw control bytes, unknown escapes, `\u0000` (jsonb has
    /// no NUL) and surrogates that are not a high one followed by a low one.
    mutating func string(into text: inout [UInt8]) -> Bool {
        index += 1
        var highSurrogate: UInt32?
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return highSurrogate == nil
            }
            guard byte >= 0x20 else { return false }
            guard byte == UInt8(ascii: "\\") else {
                guard highSurrogate == nil else { return false }
                text.append(byte)
                index += 1
                continue
            }
            guard index + 1 < input.count else { return false }
            let escape = input[index + 1]
            index += 2
            if escape == UInt8(ascii: "u") {
                guard let unit = JSONEscape.hexQuad(input, &index) else { return false }
                var scalar = unit
                switch unit {
                case 0xD800...0xDBFF:
                    guard highSurrogate == nil else { return false }
                    highSurrogate = unit
                    continue
                case 0xDC00...0xDFFF:
                    guard let high = highSurrogate else { return false }
                    scalar = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
                    highSurrogate = nil
                default:
                    guard highSurrogate == nil, unit != 0, let value = Unicode.Scalar(unit) else { return false }
                    text.append(contentsOf: String(Character(value)).utf8)
                    continue
                }
                guard let value = Unicode.Scalar(scalar) else { return false }
                text.append(contentsOf: String(Character(value)).utf8)
                continue
            }
            guard highSurrogate == nil, let byte = JSONEscape.simple(escape) else { return false }
            text.append(byte)
        }
        return false
    }

    /// The bytes of the string at `index` when it holds no escape and no control byte (then
    /// they are its text), moving past it; nil, not moving, otherwise.
    mutating func plainString() -> Range<Int>? {
        var end = index + 1
        while end < input.count {
            switch input[end] {
            case UInt8(ascii: "\""):
                defer { index = end + 1 }
                return (index + 1)..<end
            case UInt8(ascii: "\\"), 0..<0x20: return nil
            default: end += 1
            }
        }
        return nil
    }

    /// Reads a number with JSON's grammar and appends it as `numeric_out` prints it: the
    /// exponent applied to the digits, as many fraction digits as were written less the
    /// exponent (never fewer than none), no sign on zero.
    mutating func number() -> Bool {
        var negative = false
        if input[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let integerStart = index
        guard digitAtIndex() else { return false }
        if input[index] == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        let integerEnd = index
        var fraction = index..<index
        if index < input.count, input[index] == UInt8(ascii: ".") {
            index += 1
            guard digitAtIndex() else { return false }
            let start = index
            skipDigits()
            fraction = start..<index
        }
        var exponent = 0
        let hasExponent = index < input.count && (input[index] == UInt8(ascii: "e") || input[index] == UInt8(ascii: "E"))
        if hasExponent {
            index += 1
            var exponentSign = 1
            if index < input.count, input[index] == UInt8(ascii: "+") || input[index] == UInt8(ascii: "-") {
                if input[index] == UInt8(ascii: "-") { exponentSign = -1 }
                index += 1
            }
            guard digitAtIndex() else { return false }
            while digitAtIndex() {
                // Capped: anything past the bound is left to Postgres anyway.
                exponent = min(exponent * 10 + Int(input[index] - UInt8(ascii: "0")), 1_000_000)
                index += 1
            }
            exponent *= exponentSign
        }
        let limit = JSONBText.maximumNumberDigits
        if !hasExponent {
            // Without an exponent numeric prints what was written, less the sign of a zero.
            guard integerEnd - integerStart + fraction.count <= limit else { return false }
            let zero = input[integerStart..<integerEnd].allSatisfy { $0 == UInt8(ascii: "0") } && input[fraction].allSatisfy { $0 == UInt8(ascii: "0") }
            if negative, !zero { output.append(UInt8(ascii: "-")) }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: input[integerStart..<index]))
            return true
        }
        let digits = Array(input[integerStart..<integerEnd]) + Array(input[fraction])
        let point = (integerEnd - integerStart) + exponent
        let scale = max(0, fraction.count - exponent)
        // The rendering's own digits are bounded like a written number's, so what is rendered
        // renders again (the fuzz target found "1e-1000": 1,001 digits once printed).
        guard digits.count <= limit, abs(exponent) <= limit, max(point, 1) + scale <= limit else { return false }
        if negative, digits.contains(where: { $0 != UInt8(ascii: "0") }) { output.append(UInt8(ascii: "-")) }
        var integer = point > 0 ? Array(digits.prefix(point)) : []
        if point > digits.count { integer += repeatElement(UInt8(ascii: "0"), count: point - digits.count) }
        let firstSignificant = integer.firstIndex { $0 != UInt8(ascii: "0") } ?? max(integer.count - 1, 0)
        output.append(contentsOf: integer.isEmpty ? [UInt8(ascii: "0")] : Array(integer[firstSignificant...]))
        if scale > 0 {
            output.append(UInt8(ascii: "."))
            for position in point..<(point + scale) {
                output.append(position >= 0 && position < digits.count ? digits[position] : UInt8(ascii: "0"))
            }
        }
        return true
    }

    private func digitAtIndex() -> Bool {
        index < input.count && input[index] >= UInt8(ascii: "0") && input[index] <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while digitAtIndex() { index += 1 }
    }
}
