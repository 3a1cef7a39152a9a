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

/// What a request's `Accept` header allows.
struct AcceptedTypes {
    var json: Bool
    var eventStream: Bool
    var html: Bool

    init(_ header: String?) {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else {
            json = true
            eventStream = true
            html = false
            return
        }
        let types = header.split(separator: ",").map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased() }
        let any = types.contains("*/*")
        json = any || types.contains("application/json") || types.contains("application/*")
        eventStream = any || types.contains("text/event-stream") || types.contains("text/*")
        html = types.contains("text/html")
    }
}

enum MCPHeaderValue {
    /// Decodes an `Mcp-Name` value: verbatim, or `=?base64?<payload>?=` for non-ASCII names.
    static func decode(_ value: String?) -> String? {
        guard let value else { return nil }
        guard value.hasPrefix("=?base64?"), value.hasSuffix("?="), value.count >= 11 else { return value }
        let payload = String(value.dropFirst(9).dropLast(2))
        guard let data = Data(base64Encoded: payload), data.base64EncodedString() == payload else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
