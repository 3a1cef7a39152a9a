import MCPCore

/// How a call puts an upstream's questions (elicitation, sampling, roots) to its client.
enum ClientInteraction: Sendable {
    /// A 2025 session's call answered as a stream: each question is a request on that stream.
    case stream(ClientRequester)
    /// A 2026-07-28 call: questions go out as `input_required` results, answers come back
    /// in the client's retry.
    case modern(ModernInput)
}

/// What a 2026-07-28 `tools/call` carries for input: the client's capabilities and, on a
/// retry, its responses and the state it echoes.
struct ModernInput: Sendable {
    /// The capabilities the client declared in `_meta`.
    var capabilities: JSONValue
    /// `params.inputResponses` exactly as sent.
    var rawInputResponses: String?
    /// `params.requestState`, when it is a string.
    var requestState: String?

    /// The members a retry forwards to a 2026-07-28 upstream unchanged.
    var forwardedParams: [(key: String, raw: String)] {
        var params: [(key: String, raw: String)] = []
        if let rawInputResponses { params.append((key: "inputResponses", raw: rawInputResponses)) }
        if let requestState { params.append((key: "requestState", raw: JSONValue.string(requestState).jsonString)) }
        return params
    }
}

/// Which client capability each request an upstream may send needs.
enum ClientCapabilities {
    /// The members of a client's capabilities that the gateway can relay, as raw JSON for an
    /// upstream; `{}` when there are none.
    static func relayable(_ capabilities: JSONValue?) -> String {
        guard case .object(let members)? = capabilities else { return "{}" }
        return JSONValue.object(members.filter { ["elicitation", "sampling", "roots"].contains($0.0) }).jsonString
    }

    /// Whether a client that declared `capabilities` can answer `method` with `params`.
    static func supports(_ method: String, params: JSONValue?, capabilities: JSONValue) -> Bool {
        switch method {
        case "elicitation/create":
            guard case .object(let modes)? = capabilities["elicitation"] else { return false }
            let mode = params?["mode"]?.stringValue ?? "form"
            // `{}` declares form mode only (2025-11-25).
            return modes.isEmpty ? mode == "form" : modes.contains { $0.0 == mode }
        case "sampling/createMessage":
            return capabilities["sampling"] != nil
        case "roots/list":
            return capabilities["roots"] != nil
        default:
            return false
        }
    }

    /// The error for a request the client cannot take (MCP's missing-capability error).
    static func missing(_ method: String) -> JSONRPCError {
        let capability = method == "sampling/createMessage" ? "sampling" : method == "roots/list" ? "roots" : "elicitation"
        return JSONRPCError(
            code: -32021, message: "the calling client did not declare the \(capability) capability that \(method) needs",
            data: ["requiredCapabilities": .object([(capability, .object([]))])]
        )
    }

    /// Checks one request before it is put to a client: its params must be an object.
    static func validate(_ request: UpstreamServerRequest, capabilities: JSONValue) -> Result<JSONValue, JSONRPCError> {
        guard let params = try? JSONParser.parse(request.rawParams), case .object = params else {
            return .failure(.invalidParams("\(request.method) params must be an object"))
        }
        guard supports(request.method, params: params, capabilities: capabilities) else { return .failure(missing(request.method)) }
        return .success(params)
    }
}
