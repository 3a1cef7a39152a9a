import Foundation
import HTTPTypes

extension HTTPField.Name {
    static let mcpSessionID = HTTPField.Name("Mcp-Session-Id")!
    static let mcpProtocolVersion = HTTPField.Name("MCP-Protocol-Version")!
    static let mcpMethod = HTTPField.Name("Mcp-Method")!
    static let mcpName = HTTPField.Name("Mcp-Name")!
    static let xAccelBuffering = HTTPField.Name("X-Accel-Buffering")!
    static let wwwAuthenticate = HTTPField.Name("WWW-Authenticate")!
}

/// What a request's `Accept` header allows. Read on its UTF-8 bytes (media types are ASCII):
/// this runs on every MCP request, where Foundation's splitting and trimming showed in the profile.
struct AcceptedTypes {
    var json = false
    var eventStream = false
    var html = false

    init(_ header: String?) {
        guard let header else {
            json = true
            eventStream = true
            return
        }
        var sawType = false
        var utf8 = header.utf8[...]
        while !utf8.isEmpty {
            let end = utf8.firstIndex(of: UInt8(ascii: ",")) ?? utf8.endIndex
            var type = utf8[..<end]
            if let semicolon = type.firstIndex(of: UInt8(ascii: ";")) { type = type[..<semicolon] }
            type = Self.trimmed(type)
            if !type.isEmpty {
                sawType = true
                if Self.equals(type, "*/*") {
                    json = true
                    eventStream = true
                } else if Self.equals(type, "application/json") || Self.equals(type, "application/*") {
                    json = true
                } else if Self.equals(type, "text/event-stream") || Self.equals(type, "text/*") {
                    eventStream = true
                } else if Self.equals(type, "text/html") {
                    html = true
                }
            }
            utf8 = end == utf8.endIndex ? utf8[end...] : utf8[utf8.index(after: end)...]
        }
        if !sawType {
            // An empty header accepts anything, like a missing one.
            json = true
            eventStream = true
        }
    }

    private static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return bytes
    }

    /// ASCII case-insensitive comparison with a lowercase literal.
    private static func equals(_ bytes: Substring.UTF8View, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        return literal.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { pair in
                let byte = pair.0
                return (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == pair.1
            }
        }
    }
}

enum MediaType {
    /// Whether a `Content-Type` starts with `application/json` (ASCII case-insensitive, on the
    /// bytes: lowercasing a copy of the header ran on every MCP request).
    static func isJSON(_ value: String) -> Bool {
        let expected = "application/json".utf8
        var bytes = value.utf8.makeIterator()
        for byte in expected {
            guard let next = bytes.next(), (next >= 0x41 && next <= 0x5A ? next | 0x20 : next) == byte else { return false }
        }
        return true
    }
}

enum MCPHeaderValue {
    /// Encodes a name for `Mcp-Name`: verbatim when it is visible ASCII that cannot be read as
    /// the encoded form; otherwise `=?base64?<payload>?=` (a header value cannot carry the rest).
    static func encode(_ name: String) -> String {
        let plain = name.utf8.allSatisfy { (0x20...0x7E).contains($0) }
            && name.first != " " && name.last != " " && !name.hasPrefix("=?base64?")
        return plain ? name : "=?base64?" + Data(name.utf8).base64EncodedString() + "?="
    }

    /// Decodes an `Mcp-Name` value: verbatim, or `=?base64?<payload>?=` for non-ASCII names.
    static func decode(_ value: String?) -> String? {
        guard let value else { return nil }
        guard value.hasPrefix("=?base64?"), value.hasSuffix("?="), value.count >= 11 else { return value }
        let payload = String(value.dropFirst(9).dropLast(2))
        guard let data = Data(base64Encoded: payload), data.base64EncodedString() == payload else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
