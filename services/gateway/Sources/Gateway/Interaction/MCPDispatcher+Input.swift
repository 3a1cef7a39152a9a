import MCPCore

extension MCPDispatcher {
    /// Calls an upstream tool so that the upstream can ask the client for input, whatever
    /// revision each side speaks:
    /// - 2026-07-28 client, 2026-07-28 upstream: `input_required` results and the retry's
    ///   `inputResponses` and `requestState` pass through unchanged.
    /// - 2026-07-28 client, 2025 upstream: the upstream's requests become `input_required`
    ///   rounds of a `BridgedCall`, continued by the retries.
    /// - 2025 client, 2025 upstream: the upstream's requests are relayed on the call's stream.
    /// - 2025 client, 2026-07-28 upstream: each `input_required` round is asked on the call's
    ///   stream, then the upstream is called again with the answers.
    func callUpstream(_ tool: UpstreamTool, on upstream: UpstreamCatalog.Upstream, rawArguments: String?, context: ToolCallContext) async throws(JSONRPCError) -> String {
        let trace = context.upstreamTrace
        let upstreams = self.upstreams
        switch context.interaction {
        case .modern(let input)?:
            if let text = input.requestState, let state = BridgeState(text) {
                let answer = await relay.resume(
                    state, subject: context.identity.subject, tool: tool.exposedName, rawResponses: input.rawInputResponses, progress: context.progress
                )
                return try answer.get()
            }
            guard upstream.speaksModern else {
                let answer = await BridgedCall.start(
                    relay: relay, subject: context.identity.subject, tool: tool.exposedName, capabilities: input.capabilities, progress: context.progress
                ) { onRequest, progress in
                    do throws(JSONRPCError) {
                        return .result(
                            try await upstreams.call(tool, on: upstream, rawArguments: rawArguments, progress: progress, trace: trace, input: UpstreamInput(onRequest: onRequest))
                        )
                    } catch {
                        return .error(error)
                    }
                }
                return try answer.get()
            }
            let forwarded = UpstreamInput(params: input.forwardedParams, clientCapabilities: ClientCapabilities.relayable(input.capabilities))
            return try await upstreams.call(tool, on: upstream, rawArguments: rawArguments, progress: context.progress, trace: trace, input: forwarded)
        case .stream(let requester)?:
            var input = UpstreamInput(clientCapabilities: ClientCapabilities.relayable(requester.capabilities), onRequest: { await requester.ask($0) })
            var raw = try await upstreams.call(tool, on: upstream, rawArguments: rawArguments, progress: context.progress, trace: trace, input: input)
            var rounds = 0
            while let pending = InputRequired(raw) {
                rounds += 1
                guard rounds <= relay.settings.maximumRounds, pending.requests.count <= 32 else {
                    throw .invalidRequest("upstream \(upstream.settings.name) asked for input more than \(relay.settings.maximumRounds) times")
                }
                // A round with only a state asks the upstream to be polled again, not at once.
                if pending.requests.isEmpty { try? await Task.sleep(for: .milliseconds(50 * rounds)) }
                var responses: [(String, JSONValue)] = []
                for (key, request) in pending.requests {
                    let response = try await requester.ask(request).get()
                    responses.append((key, (try? JSONParser.parse(response)) ?? .object([])))
                }
                input.params = [(key: "inputResponses", raw: JSONValue.object(responses).jsonString)]
                if let state = pending.state { input.params.append((key: "requestState", raw: JSONValue.string(state).jsonString)) }
                raw = try await upstreams.call(tool, on: upstream, rawArguments: rawArguments, progress: context.progress, trace: trace, input: input)
            }
            return raw
        case nil:
            let raw = try await upstreams.call(tool, on: upstream, rawArguments: rawArguments, progress: context.progress, trace: trace)
            if let pending = InputRequired(raw) {
                let method = pending.requests.first?.1.method ?? "elicitation/create"
                throw JSONRPCError(
                    code: -32021, message: "upstream \(upstream.settings.name) needs input (\(method)) that this request cannot carry: call in a session that accepts text/event-stream",
                    data: ["requiredCapabilities": .object([])]
                )
            }
            return raw
        }
    }
}

extension UpstreamAnswer {
    /// The result, or the error thrown.
    func get() throws(JSONRPCError) -> String {
        switch self {
        case .result(let raw): return raw
        case .error(let error): throw error
        }
    }
}

/// A 2026-07-28 `input_required` result of an upstream: its questions and state.
struct InputRequired {
    var requests: [(String, UpstreamServerRequest)]
    var state: String?

    /// Nil for any other result (a cheap byte check first: most results are complete).
    init?(_ raw: String) {
        guard raw.utf8.count < 16 * 1024 * 1024, raw.contains("input_required"), let value = try? JSONParser.parse(raw),
            value["resultType"]?.stringValue == "input_required"
        else { return nil }
        guard case .object(let members)? = value["inputRequests"] else {
            requests = []
            state = value["requestState"]?.stringValue
            return
        }
        requests = members.map { key, request in
            (key, UpstreamServerRequest(method: request["method"]?.stringValue ?? "", rawParams: request["params"]?.jsonString ?? "{}"))
        }
        state = value["requestState"]?.stringValue
    }
}
