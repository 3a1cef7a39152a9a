import MCPCore
import Testing

@Suite struct JSONParserTests {
    @Test func numbersKeepTheirLiteralText() throws {
        let value = try JSONParser.parse(#"{"a":1.0,"b":1,"c":-0.5e+10,"d":1E3,"e":12345678901234567890123}"#)
        #expect(value["a"] == .number("1.0"))
        #expect(value["b"] == .number("1"))
        #expect(value["c"] == .number("-0.5e+10"))
        #expect(value["d"] == .number("1E3"))
        #expect(value.jsonString == #"{"a":1.0,"b":1,"c":-0.5e+10,"d":1E3,"e":12345678901234567890123}"#)
        #expect(value["d"]?.intValue == 1000)
        #expect(value["a"]?.intValue == 1)
    }

    @Test func stringsAndEscapes() throws {
        let value = try JSONParser.parse(#"["a\"b\\c\/d\n\t\u00e9\ud83d\ude00", "é😀", ""]"#)
        #expect(value == .array([.string("a\"b\\c/d\n\té😀"), .string("é😀"), .string("")]))
        #expect(JSONValue.string("line\nquote\"ctl\u{01}").jsonString == #""line\nquote\"ctl\u0001""#)
    }

    @Test func rawMembersAreTheExactSourceBytes() throws {
        let text = #"{ "name" : "echo", "arguments" : {"n": 1.50, "s": "\u00e9"} , "x":[ 1 ,2 ] }"#
        let members = try JSONParser.rawMembers(of: Array(text.utf8))
        #expect(members.map(\.key) == ["name", "arguments", "x"])
        #expect(String(decoding: members[1].raw, as: UTF8.self) == #"{"n": 1.50, "s": "\u00e9"}"#)
        #expect(String(decoding: members[2].raw, as: UTF8.self) == "[ 1 ,2 ]")
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":}", "01", "1.", "-", "1e", "\"unterminated", "\"bad \\x escape\"", "tru", "nul",
        "{\"a\" 1}", "[1 2]", "{} {}", "\"\u{01}\"", "\"\\ud800\"", "{'a':1}", "NaN", "[1]x",
    ])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func limitsNesting() throws {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        _ = try JSONParser.parse(fine)
    }

    @Test func duplicateKeysKeepTheLast() throws {
        #expect(try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#) == ["b": 2, "a": 3])
    }
}

@Suite struct SSEParserTests {
    @Test func parsesEventsAcrossChunksAndLineEndings() throws {
        var parser = SSEParser()
        var events = try parser.feed(Array("event: message\r\ndata: {\"a\":".utf8))
        #expect(events.isEmpty)
        events = try parser.feed(Array("1}\r\n\r\n: comment\n\ndata: one\ndata: two\n\nid: 7\rdata: x\r\r".utf8))
        #expect(events == [
            ServerSentEvent(event: "message", data: "{\"a\":1}", id: nil),
            ServerSentEvent(event: nil, data: "one\ntwo", id: nil),
            ServerSentEvent(event: nil, data: "x", id: "7"),
        ])
    }

    @Test func boundsEventSize() {
        var parser = SSEParser(maximumEventBytes: 10)
        #expect(throws: SSEParser.EventTooLarge.self) { try parser.feed(Array("data: 0123456789abc".utf8)) }
    }
}
