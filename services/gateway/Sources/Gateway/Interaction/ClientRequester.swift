import MCPCore
import Synchronization

/// Puts an upstream's requests to a 2025 session's client on its call's stream, under ids of
/// the gateway's own (an upstream's ids never reach a client, nor a client's answer another
/// call). The answer, a response the client POSTs in the same session, comes back through
/// the `InteractionRelay` from whichever replica receives it.
struct ClientRequester: Sendable {
    let relay: InteractionRelay
    let sessionID: String
    /// What the client declared in `initialize`.
    let capabilities: JSONValue
    /// Writes one message on the call's stream.
    let send: @Sendable (String) async -> Void
    /// Questions put so far in this call: an upstream cannot keep a client busy forever.
    private let asked = QuestionCounter()
    static let maximumQuestions = 100

    init(relay: InteractionRelay, sessionID: String, capabilities: JSONValue, send: @escaping @Sendable (String) async -> Void) {
        self.relay = relay
        self.sessionID = sessionID
        self.capabilities = capabilities
        self.send = send
    }

    /// Asks the client; refused at once when it did not declare the capability.
    func ask(_ request: UpstreamServerRequest) async -> UpstreamAnswer {
        if request.method == "ping" { return .result("{}") }
        let params: JSONValue
        switch ClientCapabilities.validate(request, capabilities: capabilities) {
        case .failure(let error): return .error(error)
        case .success(let checked): params = checked
        }
        guard asked.next() <= Self.maximumQuestions else {
            return .error(.invalidRequest("the call asked its client more than \(Self.maximumQuestions) questions"))
        }
        // Re-encoded: the upstream's bytes are never spliced into the stream (a raw newline
        // would end the SSE event and start one of the upstream's choosing).
        let method = JSONValue.string(request.method).jsonString
        let body = params.jsonString
        return await relay.ask(session: sessionID) { [send] id in
            await send(#"{"jsonrpc":"2.0","id":\#(JSONValue.string(id).jsonString),"method":\#(method),"params":\#(body)}"#)
        }
    }
}

/// Counts the questions of one call.
private final class QuestionCounter: Sendable {
    private let count = Atomic(0)

    func next() -> Int { count.wrappingAdd(1, ordering: .relaxed).newValue }
}
