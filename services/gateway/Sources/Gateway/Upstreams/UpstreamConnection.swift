import MCPCore

/// The final answer of an upstream to one request: its `result` exactly as sent, or its error.
enum UpstreamAnswer: Sendable {
    case result(String)
    case error(JSONRPCError)
}

/// Why an upstream could not answer.
struct UpstreamFailure: Error, CustomStringConvertible {
    var description: String
    /// The HTTP status, when the upstream answered with one instead of a JSON-RPC answer.
    var status: Int?

    init(description: String, status: Int? = nil) {
        self.description = description
        self.status = status
    }
}

/// A request an upstream sends while answering one of ours (the 2025 revisions):
/// `elicitation/create`, `sampling/createMessage`, `roots/list`, for the calling client.
struct UpstreamServerRequest: Sendable {
    var method: String
    /// `params` exactly as the upstream sent them (`{}` when absent).
    var rawParams: String
}

/// Answers an upstream's request with a result or an error.
typealias ServerRequestHandler = @Sendable (UpstreamServerRequest) async -> UpstreamAnswer

extension UpstreamAnswer {
    /// The JSON-RPC response carrying this answer to the upstream request `id`, on one line.
    func response(to id: JSONRPCID) -> String {
        switch self {
        // Compact: a client's answer may hold newlines between tokens, which would split a
        // line of a newline-delimited stdio stream.
        case .result(let raw): #"{"jsonrpc":"2.0","id":\#(id.json),"result":\#(JSONCompactor.compact(raw))}"#
        case .error(let error): #"{"jsonrpc":"2.0","id":\#(id.json),"error":\#(error.json)}"#
        }
    }

    /// The refusal of a request that reached no client able to answer it.
    static func refused(_ method: String) -> UpstreamAnswer {
        .error(JSONRPCError(code: JSONRPCErrorCode.methodNotFound, message: "\(method) cannot reach a client from this request"))
    }
}

/// An upstream took longer than its configured timeout.
struct UpstreamTimeout: Error {}

/// One request to an upstream. Params travel as raw JSON members (a caller's arguments exactly
/// as sent); each transport adds what its protocol revision needs to `_meta` and the headers.
struct UpstreamRequest: Sendable {
    var method: String
    /// Members of `params`: key and raw JSON value.
    var params: [(key: String, raw: String)]
    /// What the request names (tool, prompt or URI), sent as `Mcp-Name` in 2026-07-28.
    var name: String?
    /// The gateway's own progress token for this call, when the caller asked for progress.
    var progressToken: String?
    /// The caller's trace, continued (`traceparent`): sent as a header and in `_meta`.
    var trace: TraceContext?
    /// The calling client's capabilities as raw JSON, declared for it to a 2026-07-28 upstream
    /// (so the upstream may ask it for input); the gateway's own `{}` when nil.
    var clientCapabilities: String? = nil

    init(method: String, params: [(key: String, raw: String)] = [], name: String? = nil, progressToken: String? = nil, trace: TraceContext? = nil) {
        self.method = method
        self.params = params
        self.name = name
        self.progressToken = progressToken
        self.trace = trace
    }

    /// `params` as one JSON object; `meta` holds further raw `_meta` members (each `"key":value`).
    func paramsJSON(meta: [String] = []) -> String {
        var meta = meta
        if let progressToken { meta.insert(#""progressToken":\#(JSONValue.string(progressToken).jsonString)"#, at: 0) }
        // Validated hex and dashes only (`TraceContext`): nothing to escape.
        if let trace { meta.append(#""traceparent":"\#(trace.header)""#) }
        var members = params.map { "\(JSONValue.string($0.key).jsonString):\($0.raw)" }
        if !meta.isEmpty { members.append(#""_meta":{"# + meta.joined(separator: ",") + "}") }
        return "{" + members.joined(separator: ",") + "}"
    }
}

/// A connection to one upstream MCP server. Implementations handle the handshake, sessions,
/// the protocol revision, timeouts and transport details; callers send a request and get the
/// raw result.
protocol UpstreamConnection: Sendable {
    /// Sends a request. Notifications the upstream sends while answering (progress, list
    /// changes) are handed to `onNotification` as they arrive, with their method and raw JSON;
    /// requests it sends while answering (elicitation, sampling, roots) go to `onRequest`,
    /// whose answer is sent back, or are refused when it is nil.
    /// Throws `UpstreamTimeout` past the upstream's timeout, `UpstreamFailure` when it cannot
    /// be reached, `CancellationError` when the calling task is cancelled.
    func request(
        _ request: UpstreamRequest, onNotification: @escaping @Sendable (String, String) async -> Void, onRequest: ServerRequestHandler?
    ) async throws -> UpstreamAnswer

    /// The protocol revision spoken with the upstream, once known.
    var protocolVersion: String? { get }

    /// Stops the connection (subprocesses are terminated).
    func close() async
}

/// Parses one upstream JSON-RPC message into what the gateway needs, keeping `result` raw.
struct UpstreamMessage {
    var id: JSONRPCID?
    var method: String?
    var rawResult: String?
    var rawParams: String?
    var error: JSONRPCError?

    init(_ bytes: [UInt8]) throws {
        let members = try JSONParser.rawMembers(of: bytes)
        func member(_ key: String) -> ArraySlice<UInt8>? { members.last { $0.key == key }?.raw }
        id = member("id").flatMap { try? JSONParser.parse(Array($0)) }.flatMap(JSONRPCID.init)
        method = member("method").flatMap { try? JSONParser.parse(Array($0)) }?.stringValue
        rawResult = member("result").map { String(decoding: $0, as: UTF8.self) }
        rawParams = member("params").map { String(decoding: $0, as: UTF8.self) }
        if let raw = member("error"), let value = try? JSONParser.parse(Array(raw)) {
            error = JSONRPCError(code: value["code"]?.intValue ?? -32603, message: value["message"]?.stringValue ?? "upstream error", data: value["data"])
        }
    }
}
