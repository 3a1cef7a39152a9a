import Foundation

/// Integers and uuids written and read as ASCII bytes on the consumer's path.
///
/// By hand because the library forms cost more than the work: Foundation's `UUID(uuidString:)`
/// and `uuidString` go through `sscanf` and `sprintf` on Linux, and `String(integer)` allocates
/// a string per value; together they were about 4 % of the audit pipeline's CPU.
enum ASCIIText {
    /// The decimal digits of `value` (a leading `-` when negative), handed to `body`.
    static func withDecimal<R>(_ value: some BinaryInteger, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { digits in
            var magnitude = value.magnitude
            var start = 40
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                digits[start] = UInt8(ascii: "-")
            }
            return body(UnsafeBufferPointer(rebasing: digits[start..<40]))
        }
    }

    static func appendDecimal(_ value: some BinaryInteger, to bytes: inout [UInt8]) {
        withDecimal(value) { bytes.append(contentsOf: $0) }
    }

    /// The 36 characters of `id`, grouped 8-4-4-4-12: lower case as Postgres prints a uuid,
    /// upper case as `uuidString` (and so `WireCoding`'s encoder) writes it.
    static func withUUID<R>(_ id: UUID, uppercase: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let digits: StaticString = uppercase ? "0123456789ABCDEF" : "0123456789abcdef"
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { text in
            withUnsafeBytes(of: id.uuid) { raw in
                var out = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    text[out] = digits.utf8Start[Int(byte >> 4)]
                    text[out + 1] = digits.utf8Start[Int(byte & 0x0f)]
                    out += 2
                }
            }
            return body(UnsafeBufferPointer(text))
        }
    }

    static func appendUUID(_ id: UUID, uppercase: Bool, to bytes: inout [UInt8]) {
        withUUID(id, uppercase: uppercase) { bytes.append(contentsOf: $0) }
    }

    /// The uuid `UUID(uuidString:)` reads from `text`: exactly 36 characters, hyphens at 8, 13,
    /// 18 and 23, hex digits of either case elsewhere; nil for anything else.
    static func uuid(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { utf8 -> UUID? in
            guard utf8.count == 36 else { return nil }
            var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let complete = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
                var index = 0
                for position in 0..<16 {
                    if position == 4 || position == 6 || position == 8 || position == 10 {
                        guard utf8[index] == UInt8(ascii: "-") else { return false }
                        index += 1
                    }
                    guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else { return false }
                    out[position] = high << 4 | low
                    index += 2
                }
                return true
            }
            return complete ? UUID(uuid: bytes) : nil
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
