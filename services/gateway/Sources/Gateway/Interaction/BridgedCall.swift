import MCPCore
import Synchronization

/// A 2026-07-28 client's call to a 2025 upstream that asks for input while it answers. The
/// upstream call runs on in a task of its own; whenever the upstream asks, the client's
/// request is answered `input_required` with the questions, and the call waits, parked in
/// the `InteractionRelay`, for the retry that carries the answers (any replica passes it on).
final class BridgedCall: Sendable {
    /// One request of the upstream, waiting for the client's answer.
    private struct Question {
        var key: String
        var method: String
        var params: JSONValue
        var continuation: CheckedContinuation<UpstreamAnswer, Never>
    }

    private struct State {
        /// Asked by the upstream, not yet shown to the client.
        var queued: [Question] = []
        /// Shown in the last `input_required`, waiting for the retry.
        var outstanding: [Question] = []
        var finished: UpstreamAnswer?
        /// A client request waiting for the next question or the end.
        var waitingLeg: (@Sendable () -> Void)?
        var legActive = true
        var round = 0
        var asked = 0
        /// The current client request's progress, where the upstream's progress goes.
        var progress: ProgressReporter?
        var task: Task<Void, Never>?
        var expiry: Task<Void, Never>?
    }

    let id: String
    let subject: String
    let tool: String
    private let capabilities: JSONValue
    private let relay: InteractionRelay
    private let state: Mutex<State>

    private init(relay: InteractionRelay, subject: String, tool: String, capabilities: JSONValue, progress: ProgressReporter?) {
        self.id = InteractionRelay.randomHex()
        self.relay = relay
        self.subject = subject
        self.tool = tool
        self.capabilities = capabilities
        self.state = Mutex(State(progress: progress))
    }

    /// Starts `run` (the upstream call, given the handler for the upstream's requests and a
    /// progress reporter) and answers the client's first request: the result, or the first
    /// questions as `input_required`.
    static func start(
        relay: InteractionRelay, subject: String, tool: String, capabilities: JSONValue, progress: ProgressReporter?,
        run: @escaping @Sendable (@escaping ServerRequestHandler, ProgressReporter) async -> UpstreamAnswer
    ) async -> UpstreamAnswer {
        let call = BridgedCall(relay: relay, subject: subject, tool: tool, capabilities: capabilities, progress: progress)
        // The upstream sees one token for the whole call; each round's progress goes to the
        // client request that is open at the time, under that request's own token.
        let reporter = ProgressReporter(token: "bridged") { [call] json in await call.forwardProgress(json) }
        let task = Task { call.finish(await run({ await call.ask($0) }, reporter)) }
        call.state.withLock { $0.task = task }
        return await call.nextLeg()
    }

    /// The client's retry of round `round`, with its responses (raw JSON, keyed as asked).
    func resume(round: Int, rawResponses: String?, progress: ProgressReporter?) async -> UpstreamAnswer {
        let responses = rawResponses.flatMap { try? JSONParser.parse($0) }
        let taken = state.withLock { state -> Result<[(Question, JSONValue)], JSONRPCError> in
            guard round == state.round, !state.outstanding.isEmpty, !state.legActive else {
                return .failure(.invalidParams("requestState is unknown or has expired; call the tool again"))
            }
            var answered: [(Question, JSONValue)] = []
            for question in state.outstanding {
                guard let response = responses?[question.key], case .object = response else {
                    return .failure(.invalidParams("inputResponses must hold an object for \(question.key)"))
                }
                answered.append((question, response))
            }
            state.outstanding = []
            state.legActive = true
            state.progress = progress
            state.expiry?.cancel()
            return .success(answered)
        }
        switch taken {
        case .failure(let error):
            return .error(error)
        case .success(let answered):
            for (question, response) in answered { question.continuation.resume(returning: .result(response.jsonString)) }
            return await nextLeg()
        }
    }

    /// Stops the call: the upstream request is cancelled, its questions answered as cancelled.
    func cancel() { cancel(when: { _ in true }) }

    /// Cancels only if `condition` holds; checked under the same lock that takes the
    /// questions, so a retry that arrives meanwhile is never cancelled by a stale check.
    private func cancel(when condition: (State) -> Bool) {
        let taken = state.withLock { state -> (Task<Void, Never>?, [Question])? in
            guard condition(state) else { return nil }
            defer {
                state.queued = []
                state.outstanding = []
            }
            return (state.task, state.queued + state.outstanding)
        }
        guard let (task, questions) = taken else { return }
        task?.cancel()
        for question in questions { question.continuation.resume(returning: .error(JSONRPCError(code: JSONRPCErrorCode.cancelled, message: "request cancelled"))) }
        relay.unpark(id)
    }

    // MARK: the upstream's side

    /// The handler for the upstream's requests: queued for the client's next round.
    private func ask(_ request: UpstreamServerRequest) async -> UpstreamAnswer {
        if request.method == "ping" { return .result("{}") }
        let params: JSONValue
        switch ClientCapabilities.validate(request, capabilities: capabilities) {
        case .failure(let error): return .error(error)
        case .success(let checked): params = checked
        }
        return await withCheckedContinuation { continuation in
            let refused = state.withLock { state -> Bool in
                guard state.finished == nil, state.asked < relay.settings.maximumRounds else { return true }
                state.asked += 1
                state.queued.append(Question(key: "q\(state.asked)", method: request.method, params: params, continuation: continuation))
                state.waitingLeg?()
                state.waitingLeg = nil
                return false
            }
            if refused {
                continuation.resume(returning: .error(.invalidRequest("the call asked its client more than \(relay.settings.maximumRounds) questions")))
            }
        }
    }

    private func finish(_ answer: UpstreamAnswer) {
        state.withLock { state in
            state.finished = answer
            state.waitingLeg?()
            state.waitingLeg = nil
        }
    }

    private func forwardProgress(_ json: String) async {
        guard let progress = state.withLock({ $0.legActive ? $0.progress : nil }), let message = try? JSONParser.parse(json),
            case .object(var fields)? = message["params"]
        else { return }
        fields = fields.map { $0.0 == "progressToken" ? ($0.0, progress.token) : $0 }
        await progress.send(JSONRPCEncoder.notification(method: "notifications/progress", params: .object(fields)))
    }

    // MARK: the client's side

    private enum Step {
        case wait
        case finished(UpstreamAnswer)
        case ask(round: Int, [Question])
    }

    /// Waits for the next thing to tell the client: the end of the call, or questions.
    private func nextLeg() async -> UpstreamAnswer {
        while true {
            let step = await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Step, Never>) in
                    let step = state.withLock { state -> Step in
                        if let finished = state.finished {
                            state.legActive = false
                            return .finished(finished)
                        }
                        if !state.queued.isEmpty {
                            state.round += 1
                            state.outstanding = state.queued
                            state.queued = []
                            state.legActive = false
                            return .ask(round: state.round, state.outstanding)
                        }
                        return .wait
                    }
                    guard case .wait = step else { return continuation.resume(returning: step) }
                    let woken = state.withLock { state -> Bool in
                        // Something may have happened since the check: then go round again.
                        if state.finished != nil || !state.queued.isEmpty { return true }
                        state.waitingLeg = { continuation.resume(returning: .wait) }
                        return false
                    }
                    if woken { continuation.resume(returning: .wait) }
                }
            } onCancel: {
                // The client left (the 2026-07-28 way to cancel): the call ends with it.
                self.cancel()
            }
            switch step {
            case .wait:
                continue
            case .finished(let answer):
                relay.unpark(id)
                return answer
            case .ask(let round, let questions):
                guard relay.park(self) else {
                    cancel()
                    return .error(JSONRPCError(code: -32000, message: "the gateway is holding too many calls that wait for input; try again later"))
                }
                scheduleExpiry(round: round)
                let requests = JSONValue.object(questions.map { ($0.key, ["method": .string($0.method), "params": $0.params]) })
                let result: JSONValue = [
                    "resultType": "input_required", "inputRequests": requests,
                    "requestState": .string(BridgeState(replica: relay.replica, call: id, round: round).text),
                ]
                return .result(result.jsonString)
            }
        }
    }

    /// A client that does not retry within the answer timeout loses the call.
    private func scheduleExpiry(round: Int) {
        let timeout = relay.settings.answerTimeout
        let expiry = Task { [self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            cancel(when: { $0.round == round && !$0.legActive && !$0.outstanding.isEmpty })
        }
        state.withLock { $0.expiry = expiry }
    }
}
