#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A time as UTC calendar fields and a non-negative sub-second part: the one split behind the
/// hand-written time formats (`WireCoding.formatDate`, the audit service's COPY rows), which
/// run once or more per audit event, where Foundation's formatters were most of the CPU.
public struct UTCFields: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// The part of a second, in units of 1/`scale` (always `0..<scale`).
    public var fraction: Int64

    /// Splits `ticks`, a count of 1/`scale` seconds since 1970-01-01T00:00:00Z (negative
    /// before it); `nil` outside the years 1...9999, which these formats cannot write.
    public init?(ticks: Int64, scale: Int64) {
        precondition(scale > 0)
        var seconds = ticks / scale
        var fraction = ticks % scale
        // Floored, so a time before 1970 keeps a non-negative fraction.
        if fraction < 0 {
            fraction += scale
            seconds -= 1
        }
        var time = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return nil }
        year = Int(parts.tm_year) + 1900
        guard (1...9999).contains(year) else { return nil }
        month = Int(parts.tm_mon) + 1
        day = Int(parts.tm_mday)
        hour = Int(parts.tm_hour)
        minute = Int(parts.tm_min)
        second = Int(parts.tm_sec)
        self.fraction = fraction
    }

    /// Calls `write` with the ASCII digits of `value`, zero-padded to `width`.
    @inline(__always)
    public static func digits(_ value: Int, width: Int, _ write: (UInt8) -> Void) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            write(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
