/// Postgres' text form of a `jsonb` value (what `jsonb::text` prints), computed from the JSON
/// text the value is read from, so the chain's canonical hashes (`CanonicalRow`) need no
/// read-back from the stored rows.
///
/// Written by hand because it must be Postgres' rendering byte for byte, which no JSON library
/// gives: object keys ordered by length and then by bytes, a repeated key keeping its last value,
/// `", "` and `": "` between items, numbers printed as `numeric` prints them (the exponent
/// applied, the fraction's trailing zeros kept, no negative zero), strings unescaped and escaped
/// again as `escape_json` does (`\u001f`, lower-case). A test compares it with Postgres on hostile
/// documents. Whatever it is not certain of (a number or a nesting past the bounds below, text
/// Postgres refuses) answers nil, and the caller asks Postgres instead.
enum JSONBText {
    /// Deeper documents are left to Postgres.
    static let maximumDepth = 128
    /// A number with more digits, or whose rendering would have more, is left to Postgres
    /// (`numeric` has its own limits, far past any real argument).
    static let maximumNumberDigits = 1000

    /// Appends the rendering of the JSON text `json`; false (and `output` unspecified) when
    /// uncertain.
    static func append(json: String, to output: inout [UInt8]) -> Bool {
        var json = json
        return json.withUTF8 { input in
            // The output moves into the renderer and back, so it is never copied.
            var renderer = JSONBRenderer(input: input, output: [])
            swap(&renderer.output, &output)
            renderer.skipWhitespace()
            let rendered = renderer.value(depth: 0)
            renderer.skipWhitespace()
            swap(&renderer.output, &output)
            return rendered && renderer.index == input.count
        }
    }

    /// Appends `text` as a JSON string, as `to_jsonb(text)` renders it.
    static func append(string text: String, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendEscaped($0, to: &output) }
    }

    /// `escape_json`: quotes, and backslash escapes for `"`, `\` and the bytes below 0x20.
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var start = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            output.append(UInt8(ascii: "\\"))
            switch byte {
            case 0x08: output.append(UInt8(ascii: "b"))
            case 0x0c: output.append(UInt8(ascii: "f"))
            case 0x0a: output.append(UInt8(ascii: "n"))
            case 0x0d: output.append(UInt8(ascii: "r"))
            case 0x09: output.append(UInt8(ascii: "t"))
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
            default: output.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigit(byte >> 4), hexDigit(byte & 0x0f)])
            }
            start = index + 1
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        output.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
