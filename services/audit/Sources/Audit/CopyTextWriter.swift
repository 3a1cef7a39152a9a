import Foundation
import NIOCore
import SharedProto

/// Rows in the text format of Postgres' `COPY ... FROM STDIN` (tab-separated, one row per line,
/// `\N` for NULL). PostgresNIO's `copyFrom` sends bytes; producing them is the caller's job, so
/// this is written by hand: escaping is what keeps a value from being read as another column or
/// row, and every text value goes through `text(_:)`.
struct CopyTextWriter {
    private(set) var buffer: ByteBuffer
    private var columnInRow = 0

    init(capacity: Int) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Ends the current row.
    mutating func endRow() {
        buffer.writeInteger(UInt8(ascii: "\n"))
        columnInRow = 0
    }

    private mutating func separate() {
        if columnInRow > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
        columnInRow += 1
    }

    mutating func null() {
        separate()
        buffer.writeStaticString("\\N")
    }

    /// A text value: backslash, tab, newline and carriage return are escaped, so no value can
    /// end its column or its row early. (U+0000 never arrives: `storable` replaced it.)
    mutating func text(_ value: String?) {
        guard var value else { return null() }
        separate()
        value.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let escape: StaticString
                switch bytes[index] {
                case UInt8(ascii: "\\"): escape = "\\\\"
                case UInt8(ascii: "\t"): escape = "\\t"
                case UInt8(ascii: "\n"): escape = "\\n"
                case UInt8(ascii: "\r"): escape = "\\r"
                default: continue
                }
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<index]))
                buffer.writeStaticString(escape)
                start = index + 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<bytes.count]))
        }
    }

    mutating func integer(_ value: (some BinaryInteger)?) {
        guard let value else { return null() }
        separate()
        buffer.writeString(String(value))
    }

    mutating func bool(_ value: Bool) {
        separate()
        buffer.writeInteger(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    mutating func uuid(_ value: UUID?) {
        guard let value else { return null() }
        separate()
        buffer.writeString(value.uuidString)
    }

    /// A `timestamptz` as UTC with microseconds. The microseconds are cut exactly as
    /// PostgresNIO cuts a bound `Date`, so a row stored through COPY and the same event bound
    /// as a parameter (`ON CONFLICT (id, ts)`, the chain's links) get the same `ts`.
    ///
    /// Throws for a year outside 1...9999: such a time is no event's, and Postgres would read
    /// the text differently (years past 9999, BC).
    mutating func timestamp(_ date: Date) throws(CopyTextError) {
        guard let time = UTCFields(ticks: try Self.unixMicroseconds(date), scale: 1_000_000) else {
            throw CopyTextError(message: "timestamp out of range: \(date)")
        }
        separate()
        digits(time.year, 4, then: "-")
        digits(time.month, 2, then: "-")
        digits(time.day, 2, then: " ")
        digits(time.hour, 2, then: ":")
        digits(time.minute, 2, then: ":")
        digits(time.second, 2, then: ".")
        digits(Int(time.fraction), 6, then: "+")
        buffer.writeStaticString("00")
    }

    /// `value` zero-padded to `width` digits, then `separator`.
    private mutating func digits(_ value: Int, _ width: Int, then separator: Unicode.Scalar) {
        UTCFields.digits(value, width: width) { buffer.writeInteger($0) }
        buffer.writeInteger(UInt8(ascii: separator))
    }

    /// The microseconds since 1970 that Postgres stores for `date`: truncated toward zero from
    /// Postgres' own epoch, as PostgresNIO does.
    static func unixMicroseconds(_ date: Date) throws(CopyTextError) -> Int64 {
        let exact = date.timeIntervalSince(postgresEpoch) * 1_000_000
        // About ±8,000 years around 2000; checked before the conversion, which traps past Int64.
        guard exact.isFinite, abs(exact) < 2.5e17 else { throw CopyTextError(message: "timestamp out of range: \(date)") }
        return Int64(exact) + postgresEpochMicros
    }

    /// 2000-01-01T00:00:00Z, where Postgres counts its timestamps from.
    static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
    static let postgresEpochMicros: Int64 = 946_684_800_000_000
}

/// A value the COPY text format (as written here) cannot carry.
struct CopyTextError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
