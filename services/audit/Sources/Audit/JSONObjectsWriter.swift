import Foundation

/// Writes a JSON array of objects; keys are ours, values escaped as JSON strings
/// (`JSONBText.appendEscaped`: quotes, backslashes and control bytes escaped, the rest as is).
struct JSONObjectsWriter {
    private var output: [UInt8] = [UInt8(ascii: "[")]
    private var first = true

    init(capacity: Int) {
        output.reserveCapacity(capacity)
    }

    /// Starts the next object.
    mutating func begin() {
        if output.count > 1 { output.append(UInt8(ascii: ",")) }
        output.append(UInt8(ascii: "{"))
        first = true
    }

    mutating func end() {
        output.append(UInt8(ascii: "}"))
    }

    mutating func member(_ key: StaticString, _ literal: String) {
        if !first { output.append(UInt8(ascii: ",")) }
        first = false
        output.append(UInt8(ascii: "\""))
        output.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        output.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        output.append(contentsOf: literal.utf8)
    }

    mutating func string(_ key: StaticString, _ value: String?) {
        guard var value else { return }
        member(key, "")
        value.withUTF8 { JSONBText.appendEscaped($0, to: &output) }
    }

    mutating func number(_ key: StaticString, _ value: (some BinaryInteger)?) {
        guard let value else { return }
        member(key, "")
        ASCIIText.appendDecimal(value, to: &output)
    }

    /// Upper case, as `uuidString` is.
    mutating func uuid(_ key: StaticString, _ value: UUID) {
        member(key, "\"")
        ASCIIText.appendUUID(value, uppercase: true, to: &output)
        output.append(UInt8(ascii: "\""))
    }

    consuming func finish() -> [UInt8] {
        output.append(UInt8(ascii: "]"))
        return output
    }
}
