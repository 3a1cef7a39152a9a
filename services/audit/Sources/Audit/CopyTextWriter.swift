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
    /// The Unix second of the last timestamp written, and its text up to the fraction.
    private var cachedSecond: Int64?
    private var cachedPrefix: [UInt8] = []

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
        ASCIIText.withDecimal(value) { buffer.writeBytes($0) }
    }

    mutating func bool(_ value: Bool) {
        separate()
        buffer.writeInteger(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    mutating func uuid(_ value: UUID?) {
        guard let value else { return null() }
        separate()
        ASCIIText.withUUID(value, uppercase: false) { buffer.writeBytes($0) }
    }

    /// A `timestamptz` as UTC with microseconds. The microseconds are cut exactly as
    /// PostgresNIO cuts a bound `Date`, so a row stored through COPY and the same event bound
    /// as a parameter (`ON CONFLICT (id, ts)`, the chain's links) get the same `ts`.
    ///
    /// Throws for a year outside 1...9999: such a time is no event's, and Postgres would read
    /// the text differently (years past 9999, BC).
    ///
    /// The date and time up to the second are kept for the next row: the events of a batch
    /// mostly share their second, and splitting a time (`gmtime_r`, then digit by digit) was
    /// most of this writer's CPU.
    mutating func timestamp(_ date: Date) throws(CopyTextError) {
        let micros = try Self.unixMicroseconds(date)
        // Floored, so a time before 1970 keeps a fraction in 0..<1,000,000.
        var second = micros / 1_000_000
        if micros % 1_000_000 < 0 { second -= 1 }
        let micro = micros - second * 1_000_000
        if second != cachedSecond {
            guard let time = UTCFields(ticks: second * 1_000_000, scale: 1_000_000) else {
                throw CopyTextError(message: "timestamp out of range: \(date)")
            }
            var prefix: [UInt8] = []
            prefix.reserveCapacity(20)
            for (value, width, separator) in [(time.year, 4, "-"), (time.month, 2, "-"), (time.day, 2, " "), (time.hour, 2, ":"), (time.minute, 2, ":"), (time.second, 2, ".")] as [(Int, Int, Unicode.Scalar)] {
                UTCFields.digits(value, width: width) { prefix.append($0) }
                prefix.append(UInt8(ascii: separator))
            }
            cachedSecond = second
            cachedPrefix = prefix
        }
        separate()
        buffer.writeBytes(cachedPrefix)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 9) { text in
            var index = 0
            UTCFields.digits(Int(micro), width: 6) {
                text[index] = $0
                index += 1
            }
            text[6] = UInt8(ascii: "+")
            text[7] = UInt8(ascii: "0")
            text[8] = UInt8(ascii: "0")
            buffer.writeBytes(UnsafeBufferPointer(text))
        }
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
