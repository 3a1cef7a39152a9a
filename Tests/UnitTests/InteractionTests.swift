import MCPCore
import Testing

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
}
