/// Compact JSON for line protocols (stdio upstreams): whitespace between tokens removed and
/// U+2028/U+2029 escaped, every other byte kept. The result holds no CR or LF, so one
/// message can never become two lines: whatever a client sends, an upstream that reads
/// newline-delimited JSON sees exactly one message.
///
/// Written by hand (one linear pass over bytes) because re-encoding through `JSONValue` would
/// cost a parse and lose nothing else: JSON strings cannot hold raw control characters, so
/// outside strings only whitespace can carry a line break.
public enum JSONCompactor {
    /// `json` must be valid JSON (it was parsed before); the output is the same value.
    public static func compact(_ json: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(json.count)
        var inString = false
        var escaped = false
        var pendingE2: Int = 0  // bytes of a possible E2 80 A8/A9 sequence seen so far
        for byte in json {
            if inString {
                if pendingE2 == 1 {
                    if byte == 0x80 { pendingE2 = 2; continue }
                    output.append(0xE2)
                    pendingE2 = 0
                } else if pendingE2 == 2 {
                    pendingE2 = 0
                    if byte == 0xA8 || byte == 0xA9 {
                        output.append(contentsOf: Array((byte == 0xA8 ? "\\u2028" : "\\u2029").utf8))
                        continue
                    }
                    output.append(contentsOf: [0xE2, 0x80])
                }
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                } else if byte == 0xE2 {
                    pendingE2 = 1
                    continue
                }
                output.append(byte)
            } else {
                switch byte {
                case 0x20, 0x09, 0x0A, 0x0D:
                    continue
                case UInt8(ascii: "\""):
                    inString = true
                    output.append(byte)
                default:
                    output.append(byte)
                }
            }
        }
        if pendingE2 == 1 { output.append(0xE2) } else if pendingE2 == 2 { output.append(contentsOf: [0xE2, 0x80]) }
        return output
    }

    public static func compact(_ json: String) -> String {
        String(decoding: compact(Array(json.utf8)), as: UTF8.self)
    }
}
