import Logging
import MCPCore
import Synchronization
import Testing
import TollgateRedis

@testable import Gateway

@Suite struct InteractionTests {
    @Test func bridgeStatesRoundTripAndRefuseAnythingElse() throws {
        let state = BridgeState(replica: "0123456789abcdef", call: String(repeating: "a1", count: 16), round: 3)
        #expect(BridgeState(state.text) == state)
        for text in [
            "", "tgs", "tgs-0123456789abcdef-\(String(repeating: "a1", count: 16))-0",  // round 0
            "tgs-0123456789ABCDEF-\(String(repeating: "a1", count: 16))-1",  // uppercase
            "tgs-0123456789abcdef-\(String(repeating: "a1", count: 15))-1",  // short call id
            "tgs-0123456789abcdef-\(String(repeating: "a1", count: 16))-1-x",
            "xyz-0123456789abcdef-\(String(repeating: "a1", count: 16))-1",
            "tgs-0123456789abcdef-\(String(repeating: "a1", count: 16))-\(String(repeating: "9", count: 70))",
            "an upstream's own opaque state",
        ] {
            #expect(BridgeState(text) == nil, "\(text)")
        }
    }

    @Test func relayIDsNameTheirReplica() {
        #expect(InteractionRelay.replica(of: "tg-0123456789abcdef-\(String(repeating: "0", count: 32))") == "0123456789abcdef")
        #expect(InteractionRelay.replica(of: "tg-0123456789abcdef") == nil)
        #expect(InteractionRelay.replica(of: "7") == nil)
    }

    @Test func capabilitiesDecideWhatAClientIsAsked() throws {
        let formOnly = try JSONParser.parse(#"{"elicitation":{}}"#)
        let both = try JSONParser.parse(#"{"elicitation":{"form":{},"url":{}},"sampling":{}}"#)
        let url = try JSONParser.parse(#"{"mode":"url","url":"https://example.com","message":"go"}"#)
        #expect(ClientCapabilities.supports("elicitation/create", params: .object([]), capabilities: formOnly))
        #expect(!ClientCapabilities.supports("elicitation/create", params: url, capabilities: formOnly))
        #expect(ClientCapabilities.supports("elicitation/create", params: url, capabilities: both))
        #expect(ClientCapabilities.supports("sampling/createMessage", params: nil, capabilities: both))
        #expect(!ClientCapabilities.supports("roots/list", params: nil, capabilities: both))
        #expect(!ClientCapabilities.supports("tools/call", params: nil, capabilities: both))
        #expect(ClientCapabilities.missing("roots/list").code == -32021)
        // Only what the gateway relays is declared upstream for a client.
        #expect(ClientCapabilities.relayable(try JSONParser.parse(#"{"sampling":{},"experimental":{"x":1}}"#)) == #"{"sampling":{}}"#)
        #expect(ClientCapabilities.relayable(.string("nonsense")) == "{}")
        let notAnObject = UpstreamServerRequest(method: "elicitation/create", rawParams: "[1]")
        #expect(throws: JSONRPCError.self) { try ClientCapabilities.validate(notAnObject, capabilities: both).get() }
    }

    @Test func answersToAnUpstreamStayOnOneLine() {
        let answer = UpstreamAnswer.result("{\n  \"action\": \"accept\",\n  \"content\": {\"note\": \"a\\nb\"}\n}")
        let line = answer.response(to: .string("x\ny"))
        #expect(!line.contains("\n"))
        #expect(line == #"{"jsonrpc":"2.0","id":"x\ny","result":{"action":"accept","content":{"note":"a\nb"}}}"#)
        let refusal = UpstreamAnswer.refused("roots/list").response(to: .number("4"))
        #expect(refusal.hasPrefix(#"{"jsonrpc":"2.0","id":4,"error":{"code":-32601"#))
    }

    @Test func inputRequiredResultsAreRecognised() throws {
        let raw = #"{"resultType":"input_required","inputRequests":{"a":{"method":"elicitation/create","params":{"message":"seat?"}}},"requestState":"s1"}"#
        let pending = try #require(InputRequired(raw))
        #expect(pending.requests.count == 1 && pending.requests[0].0 == "a" && pending.requests[0].1.method == "elicitation/create")
        #expect(pending.state == "s1")
        #expect(InputRequired(#"{"content":[{"type":"text","text":"input_required"}]}"#) == nil)
        #expect(InputRequired(#"{"resultType":"complete","content":[]}"#) == nil)
    }

    /// A relay whose Redis is never reached: every exchange here stays on this replica.
    private func localRelay(_ settings: InteractionRelay.Settings = .init(answerTimeout: .seconds(5))) -> InteractionRelay {
        let redis = RedisClient(configuration: .init(url: RedisURL(host: "127.0.0.1", port: 1)), logger: Logger(label: "test"))
        return InteractionRelay(redis: redis, settings: settings, logger: Logger(label: "test"))
    }

    @Test func anUpstreamGetsAtMostAHundredQuestionsAnswered() async throws {
        let relay = localRelay()
        let sent = Atomic(0)
        // A client that answers every question at once.
        let requester = ClientRequester(relay: relay, sessionID: "s", capabilities: try JSONParser.parse(#"{"elicitation":{}}"#)) { line in
            sent.add(1, ordering: .relaxed)
            guard let id = (try? JSONParser.parse(line))?["id"]?.stringValue else { return }
            Task { await relay.deliver(id: id, session: "s", answer: .result(#"{"action":"decline"}"#)) }
        }
        let question = UpstreamServerRequest(method: "elicitation/create", rawParams: #"{"message":"again?","requestedSchema":{}}"#)
        for _ in 0..<ClientRequester.maximumQuestions {
            guard case .result = await requester.ask(question) else { Issue.record("a question within the limit was refused"); return }
        }
        guard case .error(let error) = await requester.ask(question) else { Issue.record("question 101 was put"); return }
        #expect(error.code == -32600 && sent.load(ordering: .relaxed) == ClientRequester.maximumQuestions)
    }

    @Test func aFloodOfParkedCallsIsRefusedAndExpiredCallsMakeRoom() async throws {
        let relay = localRelay(.init(answerTimeout: .milliseconds(300), maximumRounds: 10, maximumParked: 3))
        let capabilities = try JSONParser.parse(#"{"elicitation":{}}"#)
        let cancelled = Atomic(0)
        func start() async -> UpstreamAnswer {
            await BridgedCall.start(relay: relay, subject: "u", tool: "t", capabilities: capabilities, progress: nil) { ask, _ in
                let answer = await ask(UpstreamServerRequest(method: "elicitation/create", rawParams: #"{"message":"seat?","requestedSchema":{}}"#))
                if case .error(let error) = answer, error.code == JSONRPCErrorCode.cancelled { cancelled.add(1, ordering: .relaxed) }
                return .result("{}")
            }
        }
        for _ in 0..<3 {
            guard case .result(let raw) = await start() else { Issue.record("a call within the bound was refused"); return }
            #expect(InputRequired(raw) != nil)
        }
        #expect(relay.parkedCount == 3)
        // The fourth is refused, and its upstream call is cancelled rather than left waiting.
        guard case .error(let error) = await start() else { Issue.record("a fourth call was parked"); return }
        #expect(error.code == -32000 && relay.parkedCount == 3)
        // Nobody retries: the parked calls expire, their upstream calls end, and room is made.
        for _ in 0..<200 where relay.parkedCount > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(relay.parkedCount == 0)
        for _ in 0..<200 where cancelled.load(ordering: .relaxed) < 4 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(cancelled.load(ordering: .relaxed) == 4)
        guard case .result(let raw) = await start() else { Issue.record("no room after expiry"); return }
        #expect(InputRequired(raw) != nil)
    }

    @Test func aQuestionGoesOutReencodedAndOnlyItsSessionCanAnswer() async throws {
        let relay = localRelay()
        let sent = Mutex<[String]>([])
        let requester = ClientRequester(relay: relay, sessionID: "session-a", capabilities: try JSONParser.parse(#"{"elicitation":{}}"#)) { line in
            sent.withLock { $0.append(line) }
        }
        // An upstream's params with line breaks between tokens: spliced raw, they would end the
        // SSE event and start one of the upstream's choosing.
        let hostile = "{\"message\":\"seat?\\n\\ndata: {}\",\r\n\r\n  \"requestedSchema\"\n:\n{}}"
        let answering = Task { await requester.ask(UpstreamServerRequest(method: "elicitation/create", rawParams: hostile)) }
        var question: JSONValue?
        for _ in 0..<400 where question == nil {
            try await Task.sleep(for: .milliseconds(5))
            question = try sent.withLock { $0.first }.map { try JSONParser.parse($0) }
        }
        let line = try #require(sent.withLock { $0.first })
        #expect(!line.contains("\n") && !line.contains("\r"))
        let id = try #require(question?["id"]?.stringValue)
        #expect(question?["method"] == "elicitation/create" && question?["params"]?["message"] == "seat?\n\ndata: {}")
        // Another session's answer reaches nothing; the asking session's does.
        await relay.deliver(id: id, session: "session-b", answer: .result(#"{"action":"accept","content":{"seat":"1A"}}"#))
        await relay.deliver(id: id, session: "session-a", answer: .result(#"{"action":"decline"}"#))
        guard case .result(let raw) = await answering.value else { Issue.record("the question was not answered"); return }
        #expect(try JSONParser.parse(raw)["action"] == "decline")
    }

    @Test func aClientWithoutTheCapabilityIsNotAsked() async {
        let sent = Mutex(0)
        let requester = ClientRequester(relay: localRelay(), sessionID: "s", capabilities: .object([])) { _ in sent.withLock { $0 += 1 } }
        guard case .error(let error) = await requester.ask(UpstreamServerRequest(method: "sampling/createMessage", rawParams: "{}")) else {
            Issue.record("answered without asking")
            return
        }
        #expect(error.code == -32021 && sent.withLock { $0 } == 0)
    }
}
