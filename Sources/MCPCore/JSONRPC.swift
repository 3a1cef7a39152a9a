/// A JSON-RPC request id: a string or a number, kept as written so the answer echoes it exactly.
public enum JSONRPCID: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case number(String)

    /// The id as JSON text.
    public var json: String {
        switch self {
        case .string(let text): JSONValue.string(text).jsonString
        case .number(let text): text
        }
    }

    public var description: String {
        switch self {
        case .string(let text): text
        case .number(let text): text
        }
    }

    public init?(_ value: JSONValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .number(let text): self = .number(text)
        default: return nil
        }
    }
}

/// A JSON-RPC error object; codes from JSON-RPC 2.0 and MCP.
/// The JSON-RPC error codes the gateway answers with, by name. Each code has one meaning:
/// an HTTP status or an audit category is chosen from it, never from message text.
public enum JSONRPCErrorCode {
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    /// An upstream could not be reached.
    public static let upstreamUnavailable = -32000
    /// A request (an upstream call) ran out of time; the official SDKs use -32001 for this.
    public static let requestTimeout = -32001
    /// MCP: the resource does not exist (or the caller may not read it).
    public static let resourceNotFound = -32002
    /// Credentials missing or refused (the HTTP answer is 401).
    public static let unauthorized = -32003
    /// MCP 2026-07-28: headers disagree with the body.
    public static let headerMismatch = -32020
    /// MCP 2026-07-28: the protocol version is not served.
    public static let unsupportedProtocolVersion = -32022
    public static let rateLimited = -32029
    /// The tool's definition changed since it was pinned and waits for an operator's approval.
    public static let toolWithheld = -32030
    public static let cancelled = -32800
}

public struct JSONRPCError: Error, Sendable, Equatable {
    /// What the gateway knows about an error beyond its code (never sent on the wire): lets
    /// callers such as the invoke route answer 404 for an unknown tool without reading text.
    public enum Reason: Sendable, Equatable {
        case unknownTool
        case unknownPrompt
    }

    public var code: Int
    public var message: String
    public var data: JSONValue?
    public var reason: Reason?

    public init(code: Int, message: String, data: JSONValue? = nil, reason: Reason? = nil) {
        self.code = code
        self.message = message
        self.data = data
        self.reason = reason
    }

    /// A tool that does not exist, or that the caller may not call (answered alike).
    public static func unknownTool(_ name: String) -> JSONRPCError {
        .init(code: JSONRPCErrorCode.invalidParams, message: "unknown tool: \(name)", reason: .unknownTool)
    }

    /// A prompt that does not exist, or that the caller may not get (answered alike).
    public static func unknownPrompt(_ name: String) -> JSONRPCError {
        .init(code: JSONRPCErrorCode.invalidParams, message: "unknown prompt: \(name)", reason: .unknownPrompt)
    }

    public static func parseError(_ message: String) -> JSONRPCError { .init(code: -32700, message: message) }
    public static func invalidRequest(_ message: String) -> JSONRPCError { .init(code: -32600, message: message) }
    public static func methodNotFound(_ method: String) -> JSONRPCError { .init(code: -32601, message: "method not found: \(method)") }
    public static func invalidParams(_ message: String) -> JSONRPCError { .init(code: -32602, message: message) }
    public static func internalError(_ message: String = "internal error") -> JSONRPCError { .init(code: -32603, message: message) }
    /// MCP 2026-07-28: HTTP headers disagree with the body, or required ones are missing.
    public static func headerMismatch(_ message: String) -> JSONRPCError { .init(code: -32020, message: message) }
    /// MCP 2026-07-28: the requested protocol version is not served.
    public static func unsupportedProtocolVersion(requested: String, supported: [String]) -> JSONRPCError {
        .init(
            code: -32022, message: "unsupported protocol version: \(requested)",
            data: ["supported": .array(supported.map { .string($0) }), "requested": .string(requested)]
        )
    }

    public var json: String {
        var members: [(String, JSONValue)] = [("code", .int(code)), ("message", .string(message))]
        if let data { members.append(("data", data)) }
        return JSONValue.object(members).jsonString
    }
}

/// One incoming JSON-RPC message.
public struct JSONRPCMessage: Sendable {
    public enum Kind: Sendable, Equatable {
        case request(JSONRPCID)
        case notification
        /// A response to a request the server sent (result or error); servers ack and drop these.
        case response
    }

    public var kind: Kind
    public var method: String
    /// `params` parsed, `.object([])` when absent.
    public var params: JSONValue
    /// The exact bytes of `params`, for forwarding untouched.
    public var rawParams: ArraySlice<UInt8>?

    public var id: JSONRPCID? {
        if case .request(let id) = kind { return id }
        return nil
    }

    /// Parses one message. Throws a JSON-RPC error naming the problem; `id` is returned with
    /// the error when it could be read, so the error answer can carry it.
    public static func parse(_ body: [UInt8]) throws(MessageParseFailure) -> JSONRPCMessage {
        // One pass: each member's raw bytes and its value (the body is read once).
        let members: [(key: String, raw: ArraySlice<UInt8>, value: JSONValue)]
        do {
            let first = body.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
            if first == UInt8(ascii: "[") {
                _ = try JSONParser.parse(body)
                throw MessageParseFailure(error: .invalidRequest("batch requests are not supported"), id: nil)
            }
            members = try JSONParser.members(of: body)
        } catch let failure as MessageParseFailure {
            throw failure
        } catch {
            throw MessageParseFailure(error: .parseError("invalid JSON: \(error)"), id: nil)
        }
        func member(_ key: String) -> ArraySlice<UInt8>? { members.last { $0.key == key }?.raw }
        func value(_ key: String) -> JSONValue? { members.last { $0.key == key }?.value }

        let idValue = value("id")
        let id = idValue.flatMap(JSONRPCID.init)
        guard value("jsonrpc") == .string("2.0") else {
            throw MessageParseFailure(error: .invalidRequest("jsonrpc must be \"2.0\""), id: id)
        }
        if idValue != nil, id == nil, idValue != .null {
            throw MessageParseFailure(error: .invalidRequest("id must be a string or a number"), id: nil)
        }
        guard let methodValue = value("method") else {
            if member("result") != nil || member("error") != nil {
                return JSONRPCMessage(kind: .response, method: "", params: .object([]), rawParams: nil)
            }
            throw MessageParseFailure(error: .invalidRequest("method is missing"), id: id)
        }
        guard case .string(let method) = methodValue, !method.isEmpty else {
            throw MessageParseFailure(error: .invalidRequest("method must be a non-empty string"), id: id)
        }
        let rawParams = member("params")
        let params = value("params") ?? .object([])
        guard case .object = params else {
            throw MessageParseFailure(error: .invalidParams("params must be an object"), id: id)
        }
        return JSONRPCMessage(kind: id.map { .request($0) } ?? .notification, method: method, params: params, rawParams: rawParams)
    }

    public init(kind: Kind, method: String, params: JSONValue, rawParams: ArraySlice<UInt8>?) {
        self.kind = kind
        self.method = method
        self.params = params
        self.rawParams = rawParams
    }
}

/// A message that could not be parsed, with the id when it was readable.
public struct MessageParseFailure: Error, Sendable {
    public var error: JSONRPCError
    public var id: JSONRPCID?
}

/// Serialises JSON-RPC answers. Results are spliced in as given: a forwarded upstream
/// result is never decoded and re-encoded.
public enum JSONRPCEncoder {
    public static func result(id: JSONRPCID, json: String) -> String {
        "{\"jsonrpc\":\"2.0\",\"id\":\(id.json),\"result\":\(json)}"
    }

    public static func error(id: JSONRPCID?, _ error: JSONRPCError) -> String {
        "{\"jsonrpc\":\"2.0\",\"id\":\(id?.json ?? "null"),\"error\":\(error.json)}"
    }

    public static func notification(method: String, params: JSONValue) -> String {
        "{\"jsonrpc\":\"2.0\",\"method\":\(JSONValue.string(method).jsonString),\"params\":\(params.jsonString)}"
    }
}
