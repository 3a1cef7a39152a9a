/// Durations written the way the reference system's clients expect (Go's `time.Duration`
/// syntax): `30s`, `1m0s`, `1h30m0s`. Parsing accepts any sequence like `1h30m`, `90s`, `5m`.
enum GoDuration {
    /// Whole seconds (at least 1: a shorter duration is rounded up to a second), or `nil` for
    /// anything unparsable.
    static func parse(_ text: String) -> Int? {
        var total = 0.0
        var number = ""
        var index = text.startIndex
        guard !text.isEmpty else { return nil }
        while index < text.endIndex {
            let character = text[index]
            if character.isASCII, character.isNumber || character == "." {
                number.append(character)
                index = text.index(after: index)
                continue
            }
            guard let value = Double(number) else { return nil }
            number = ""
            let rest = text[index...]
            let (scale, length): (Double, Int) =
                rest.hasPrefix("ms") ? (0.001, 2) : rest.hasPrefix("h") ? (3600, 1) : rest.hasPrefix("m") ? (60, 1) : rest.hasPrefix("s") ? (1, 1) : (0, 0)
            guard length > 0 else { return nil }
            total += value * scale
            index = text.index(index, offsetBy: length)
        }
        guard number.isEmpty, total.isFinite, total < 1e12 else { return nil }
        return max(1, Int(total.rounded()))
    }

    static func format(seconds: Int) -> String {
        let hours = seconds / 3600
        let minutes = (seconds % 3600) / 60
        let rest = seconds % 60
        if hours > 0 { return "\(hours)h\(minutes)m\(rest)s" }
        if minutes > 0 { return "\(minutes)m\(rest)s" }
        return "\(rest)s"
    }
}
