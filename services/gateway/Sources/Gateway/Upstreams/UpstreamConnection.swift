import MCPCore

/// The final answer of an upstream to one request: its `result` exactly as sent, or its error.
enum UpstreamAnswer: Sendable {
    case result(String)
    case error(JSONRPCError)
}

/// Why an upstream could not answer.
struct UpstreamFailure: Error, CustomStringConvertible {
    var description: String
}

/// A connection to one upstream MCP server. Implementations handle the handshake, sessions
/// and transport details; callers send method + raw params and get the raw result.
protocol UpstreamConnection: Sendable {
    /// Sends a request. Notifications the upstream sends while answering (progress, list
    /// changes) are handed to `onNotification` as they arrive, with their method and raw JSON.
    func request(method: String, params: String, onNotification: @escaping @Sendable (String, String) async -> Void) async throws -> UpstreamAnswer

    /// Stops the connection (subprocesses are terminated).
    func close() async
}

/// Parses one upstream JSON-RPC message into what the gateway needs, keeping `result` raw.
struct UpstreamMessage {
    var id: JSONRPCID?
    var method: String?
    var rawResult: String?
    var error: JSONRPCError?

    init(_ bytes: [UInt8]) throws {
        let members = try JSONParser.rawMembers(of: bytes)
        func member(_ key: String) -> ArraySlice<UInt8>? { members.last { $0.key == key }?.raw }
        id = member("id").flatMap { try? JSONParser.parse(Array($0)) }.flatMap(JSONRPCID.init)
        method = member("method").flatMap { try? JSONParser.parse(Array($0)) }?.stringValue
        rawResult = member("result").map { String(decoding: $0, as: UTF8.self) }
        if let raw = member("error"), let value = try? JSONParser.parse(Array(raw)) {
            error = JSONRPCError(code: value["code"]?.intValue ?? -32603, message: value["message"]?.stringValue ?? "upstream error", data: value["data"])
        }
    }
}
