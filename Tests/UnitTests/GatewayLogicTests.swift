import HTTPTypes
import MCPCore
import Testing
import TollgateAuth
import TollgateCore

@testable import Gateway

@Suite struct ToolGlobTests {
    @Test(arguments: [
        ("echo", "echo", true), ("echo", "echoes", false), ("fixed_*", "fixed_response", true), ("*", "anything", true),
        ("github__*", "github__create_issue", true), ("github__*", "gitlab__x", false), ("e?ho", "echo", true),
        ("*_response", "sized_response", true), ("a*b*c", "aXXbYYc", true), ("a*b*c", "aXXbYY", false), ("", "", true),
    ])
    func matches(pattern: String, name: String, expected: Bool) {
        #expect(ToolGlob(pattern).matches(name) == expected)
    }

    @Test func emptyAllowListAllowsAll() {
        #expect(ToolGlob.allows([], "x"))
        #expect(!ToolGlob.allows(["\u{0}"], "x"))
    }
}

@Suite struct OriginPolicyTests {
    @Test func rules() throws {
        let policy = OriginPolicy(allowed: ["https://app.example"])
        try policy.check([:])
        try policy.check([.origin: "https://app.example"])
        try policy.check([.origin: "http://localhost:5173"])
        try policy.check([.origin: "http://127.0.0.1:8000"])
        #expect(throws: HTTPLevelError.self) { try policy.check([.origin: "https://evil.example"]) }
        #expect(throws: HTTPLevelError.self) { try policy.check([.origin: "null"]) }
        try OriginPolicy(allowed: ["*"]).check([.origin: "https://anything.example"])
        // An opaque origin passes only with `*`, not by being listed.
        try OriginPolicy(allowed: ["*"]).check([.origin: "null"])
        #expect(throws: HTTPLevelError.self) { try OriginPolicy(allowed: ["null"]).check([.origin: "null"]) }
    }
}

@Suite struct UpstreamSettingsTests {
    @Test func parsesHTTPAndStdio() throws {
        let value = try JSONParser.parse(#"""
            [{"name":"gh","url":"https://mcp.example/mcp","headers":{"Authorization":"Bearer t"},"timeout":"10s","exclude":["delete_*"]},
             {"name":"files","transport":"stdio","command":"python3","args":["s.py"],"env":{"ROOT":"/data"},"prefix":"f."}]
            """#)
        let upstreams = try UpstreamSettings.parse(value)
        #expect(upstreams.count == 2)
        #expect(upstreams[0].prefix == "gh__" && upstreams[0].timeout == .seconds(10))
        #expect(upstreams[0].exposes("create_issue") && !upstreams[0].exposes("delete_repo"))
        #expect(upstreams[1].prefix == "f.")
        guard case .stdio(let command, let arguments, let environment) = upstreams[1].transport else {
            Issue.record("expected stdio")
            return
        }
        #expect(command == "python3" && arguments == ["s.py"] && environment == ["ROOT": "/data"])
    }

    @Test(arguments: [
        #"{"name":"x"}"#, #"[{"url":"http://a"}]"#, #"[{"name":"bad name","url":"http://a"}]"#, #"[{"name":"a","url":"ftp://a"}]"#,
        #"[{"name":"a","transport":"carrier-pigeon"}]"#, #"[{"name":"a","transport":"stdio"}]"#,
        #"[{"name":"a","url":"http://a"},{"name":"a","url":"http://b"}]"#, #"[{"name":"a","url":"http://a","timeout":"soon"}]"#,
    ])
    func rejectsInvalid(json: String) throws {
        let value = try JSONParser.parse(json)
        #expect(throws: ConfigError.self) { try UpstreamSettings.parse(value) }
    }
}

@Suite struct DispatcherHelperTests {
    @Test func resultTypeIsSplicedWithoutReencoding() {
        #expect(MCPDispatcher.markComplete(#"{"content":[],"n":1.0}"#) == #"{"resultType":"complete","content":[],"n":1.0}"#)
        #expect(MCPDispatcher.markComplete("{}") == #"{"resultType":"complete"}"#)
        #expect(MCPDispatcher.markComplete(#"{"resultType":"complete","x":1}"#) == #"{"resultType":"complete","x":1}"#)
        #expect(MCPDispatcher.markComplete(" { \"a\" : 1.50 } ") == " {\"resultType\":\"complete\", \"a\" : 1.50 } ")
    }

    @Test func cursorsRoundTripAndRejectGarbage() {
        #expect(MCPDispatcher.decodeCursor(MCPDispatcher.encodeCursor(200)) == 200)
        #expect(MCPDispatcher.decodeCursor("garbage!") == nil)
        #expect(MCPDispatcher.decodeCursor("bzotMQ==") == nil)  // "o:-1"
    }

    @Test func acceptHeaderParsing() {
        let both = AcceptedTypes("application/json, text/event-stream")
        #expect(both.json && both.eventStream && !both.html)
        let browser = AcceptedTypes("text/html,application/xhtml+xml,*/*;q=0.8")
        #expect(browser.html && browser.json)
        #expect(!AcceptedTypes("text/plain").json && !AcceptedTypes("text/plain").eventStream)
        #expect(AcceptedTypes(nil).json)
        let spaced = AcceptedTypes("  Application/JSON ; q=1 ,\tTEXT/Event-Stream;q=0.5 ")
        #expect(spaced.json && spaced.eventStream && !spaced.html)
        let blank = AcceptedTypes(" , ")
        #expect(blank.json && blank.eventStream)
        let onlyStream = AcceptedTypes("text/event-stream")
        #expect(onlyStream.eventStream && !onlyStream.json)
        #expect(!AcceptedTypes("application/jsonx").json && !AcceptedTypes("text/event-streams").eventStream)
        #expect(AcceptedTypes("text/*").eventStream && AcceptedTypes("application/*").json)
    }

    @Test func mcpNameHeaderEncodingRoundTrips() {
        for name in ["echo", "time__get_current_time", "écho", " padded ", "=?base64?trick?=", "line\nbreak", "note://x/y?z=1"] {
            let encoded = MCPHeaderValue.encode(name)
            #expect(encoded.utf8.allSatisfy { (0x20...0x7E).contains($0) })
            #expect(MCPHeaderValue.decode(encoded) == name)
        }
        #expect(MCPHeaderValue.encode("echo") == "echo")
    }

    @Test func mcpNameHeaderDecoding() {
        #expect(MCPHeaderValue.decode("echo") == "echo")
        #expect(MCPHeaderValue.decode("=?base64?w6ljaG8=?=") == "écho")
        #expect(MCPHeaderValue.decode("=?base64?!!!?=") == nil)
    }
}

@Suite struct FixtureToolTests {
    let context = ToolCallContext(identity: .anonymous, headers: [HTTPField.Name("X-API-Key")!: "secret", .accept: "*/*"], progress: nil)

    @Test func deterministicOutputs() async throws {
        let fixed = try await FixedResponseTool().call(arguments: ["key": "alpha"], context: context)
        #expect(fixed["structuredContent"]?["hash"] == "8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8")
        let sized = try await SizedResponseTool().call(arguments: ["size": 28], context: context)
        #expect(sized["content"]?.arrayValue?.first?["text"] == "abcdefghijklmnopqrstuvwxyzab")
        let first = try await LoremTool().call(arguments: ["words": 5, "seed": "s"], context: context)
        let again = try await LoremTool().call(arguments: ["words": 5, "seed": "s"], context: context)
        #expect(first == again)
        let headers = try await HeadersTool().call(arguments: [:], context: context)
        #expect(headers["structuredContent"]?["headers"]?["x-api-key"] == ["[redacted]"])
    }

    @Test func argumentErrorsAreInvalidParams() async {
        await #expect(throws: JSONRPCError.self) { try await SizedResponseTool().call(arguments: ["size": -1], context: context) }
        await #expect(throws: JSONRPCError.self) { try await EchoTool().call(arguments: [:], context: context) }
        await #expect(throws: JSONRPCError.self) { try await ErrorTool().call(arguments: ["category": "cosmic"], context: context) }
    }

    @Test func allTwelveAreRegisteredOncePerGroup() {
        let all = FixtureTools.enabled(FixtureTools.groupNames).map(\.definition.name)
        #expect(all.count == 12 && Set(all).count == 12)
        #expect(FixtureTools.enabled(["data"]).map(\.definition.name) == ["fixed_response", "sized_response", "lorem"])
    }
}
