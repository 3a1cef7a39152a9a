import Foundation

/// JSON coding shared by every service: snake_case keys are spelled out in each type's
/// `CodingKeys`; dates are RFC 3339 (`2026-11-21T13:04:05Z`, fractional seconds accepted).
public enum WireCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatDate(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an RFC 3339 date, got '\(text)'")
            }
            return date
        }
        return decoder
    }

    /// Formats a date as RFC 3339 with milliseconds in UTC.
    ///
    /// Written by hand: Foundation's ISO 8601 style built a formatter's worth of state for every
    /// call, and this runs for every audit event (gateway and audit service). Milliseconds are
    /// cut, not rounded, so a time never moves into the next second or day; years outside
    /// 1...9999 fall back to Foundation's style.
    public static func formatDate(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard milliseconds.isFinite, abs(milliseconds) < 2.5e14, let time = UTCFields(ticks: Int64(milliseconds), scale: 1000) else {
            return slowFormatDate(date)
        }
        let fields: [(Int, Int, UInt8)] = [
            (time.year, 4, UInt8(ascii: "-")), (time.month, 2, UInt8(ascii: "-")), (time.day, 2, UInt8(ascii: "T")),
            (time.hour, 2, UInt8(ascii: ":")), (time.minute, 2, UInt8(ascii: ":")), (time.second, 2, UInt8(ascii: ".")),
            (Int(time.fraction), 3, UInt8(ascii: "Z")),
        ]
        return String(unsafeUninitializedCapacity: 24) { output in
            var index = 0
            for (value, width, separator) in fields {
                UTCFields.digits(value, width: width) { digit in
                    output[index] = digit
                    index += 1
                }
                output[index] = separator
                index += 1
            }
            return index
        }
    }

    private static func slowFormatDate(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// Parses an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, `T`/`Z` in
    /// either case. Written by hand because Foundation's ISO 8601 styles refuse some valid
    /// offsets (`+23:34`) and accept forms RFC 3339 does not; this is linear and strict.
    public static func parseDate(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20, b.count <= 64 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var value = 0
            for byte in b[start..<(start + count)] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        func byte(_ index: Int, _ allowed: String) -> Bool { index < b.count && allowed.utf8.contains(b[index]) }
        guard let year = digits(0, 4), byte(4, "-"), let month = digits(5, 2), byte(7, "-"), let day = digits(8, 2), byte(10, "Tt"),
            let hour = digits(11, 2), byte(13, ":"), let minute = digits(14, 2), byte(16, ":"), let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 59 else { return nil }
        var index = 19
        var fraction = 0.0
        if byte(index, ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < b.count, b[index] >= 0x30, b[index] <= 0x39 {
                fraction += Double(b[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offsetSeconds = 0
        if byte(index, "Zz") {
            index += 1
        } else if byte(index, "+-") {
            let sign = b[index] == UInt8(ascii: "-") ? -1 : 1
            guard let offsetHours = digits(index + 1, 2), byte(index + 3, ":"), let offsetMinutes = digits(index + 4, 2),
                offsetHours <= 23, offsetMinutes <= 59
            else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
            index += 6
        } else {
            return nil
        }
        guard index == b.count else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        // Reject dates that do not exist (2026-02-30) instead of rolling them over.
        guard let base = calendar.date(from: components), calendar.component(.day, from: base) == day else { return nil }
        return base.addingTimeInterval(fraction - Double(offsetSeconds))
    }
}
