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

@Suite struct JSONHostileInputTests {
    @Test func manyKeysParseInLinearTime() throws {
        // 100,000 distinct keys (about 1.3 MB): quadratic duplicate checks took minutes here.
        let text = "{" + (0..<100_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.count == 100_000)
        #expect(value["k99999"] == .number("99999"))
    }

    @Test func duplicateKeysAmongManyKeepTheLastAtTheEnd() throws {
        let text = "{" + (0..<1000).map { "\"k\($0 % 10)\":\($0)" }.joined(separator: ",") + "}"
        let members = try #require(try JSONParser.parse(text).objectValue)
        #expect(members.map(\.0) == (0..<10).map { "k\($0)" })
        #expect(members.map(\.1) == (990..<1000).map { .number("\($0)") })
    }

    @Test func duplicatesAgreeWithANaiveReferenceAtEverySize() throws {
        // Objects from 1 to 300 members over small key alphabets, so duplicates cross the switch
        // from the linear scan to the table and every table growth.
        var seed: UInt64 = 42
        for size in 1...300 {
            let alphabet = 1 + size % 40
            var keys: [String] = []
            for _ in 0..<size {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                keys.append("k\(Int(seed >> 33) % alphabet)")
            }
            let text = "{" + keys.enumerated().map { "\"\($0.element)\":\($0.offset)" }.joined(separator: ",") + "}"
            // Reference: each key once, at the position of its last occurrence, with its last value.
            let expected = keys.enumerated().filter { index, key in !keys[(index + 1)...].contains(key) }.map { ($0.element, JSONValue.number("\($0.offset)")) }
            let parsed = try #require(try JSONParser.parse(text).objectValue)
            #expect(parsed.map(\.0) == expected.map(\.0), "size \(size)")
            #expect(parsed.map(\.1) == expected.map(\.1), "size \(size)")
        }
    }

    @Test func compactJSONHoldsNoLineBreak() throws {
        let hostile = "{\"a\":\n{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\"}\r\n,\"b\":\"x\\ny \u{2028} \u{2029} é\" ,\t\"c\": [1.0 , 2e3]}"
        let compact = JSONCompactor.compact(hostile)
        #expect(!compact.utf8.contains(0x0A) && !compact.utf8.contains(0x0D))
        #expect(!compact.contains("\u{2028}") && compact.contains("\\u2028") && compact.contains("é"))
        #expect(try JSONParser.parse(compact) == JSONParser.parse(hostile))
        #expect(compact.contains("[1.0,2e3]"))
        #expect(JSONCompactor.compact(#"{"s":"a \"quoted\" b\\"}"#) == #"{"s":"a \"quoted\" b\\"}"#)
    }

    @Test func stringBytesAreAcceptedExactlyWhenTheyAreUTF8() throws {
        // Every one- and two-byte sequence, and three- and four-byte sequences around every
        // boundary: the parser agrees with the standard library's validation, and what it
        // returns is the decoded text.
        var samples: [[UInt8]] = (0...255).map { [UInt8($0)] }
        let edges: [UInt8] = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for a in 0...255 { for b in edges { samples.append([UInt8(a), b]) } }
        for a in edges { for b in edges { for c in edges { samples.append([a, b, c]); samples.append([a, b, c, 0x80]); samples.append([a, b, c, 0xBF]) } } }
        for sample in samples {
            let plain = sample.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
            let valid = plain && String(validating: sample, as: UTF8.self) != nil
            let parsed = try? JSONParser.parse([UInt8(ascii: "\"")] + sample + [UInt8(ascii: "\"")])
            #expect((parsed != nil) == valid, "bytes \(sample)")
            if valid { #expect(parsed == .string(String(decoding: sample, as: UTF8.self))) }
        }
    }

    @Test func escapesBetweenRunsOfText() throws {
        #expect(try JSONParser.parse(#""a\nb\u00e9c\ud83d\ude00d\"e\\f\/g""#) == .string("a\nbéc😀d\"e\\f/g"))
        #expect(try JSONParser.parse(#""é\té""#) == .string("é\té"))
        #expect((try? JSONParser.parse(#""\ud83d""#)) == nil)
        #expect((try? JSONParser.parse(#""\ude00""#)) == nil)
        #expect((try? JSONParser.parse(#""\x""#)) == nil)
    }

    @Test func rawMembersCheckWhatTheyDoNotBuild() throws {
        // rawMembers validates nested values without building them: the same texts are refused.
        let refused: [[UInt8]] = [
            Array(#"{"a":{"b":"\ud800"}}"#.utf8), Array(#"{"a":[1,]}"#.utf8), Array(#"{"a":{"b" 1}}"#.utf8),
            Array(#"{"a":-01}"#.utf8), Array(#"{"a":"x\q"}"#.utf8), Array(#"{"a":{"b":"\u00"}}"#.utf8),
            Array(#"{"a":{"k":""#.utf8) + [0xC0, 0xAF] + Array(#""}}"#.utf8),
            Array(#"{"a":"#.utf8) + Array(repeating: UInt8(ascii: "["), count: 200) + Array(repeating: UInt8(ascii: "]"), count: 200) + [UInt8(ascii: "}")],
        ]
        for text in refused {
            #expect((try? JSONParser.rawMembers(of: text)) == nil, "\(String(decoding: text, as: UTF8.self).prefix(40))")
            #expect((try? JSONParser.parse(text)) == nil)
        }
        let members = try JSONParser.rawMembers(of: Array(#"{"a":{"k":1,"k":"\u00e9"},"b":[true,null,-1.5e3]}"#.utf8))
        #expect(members.map(\.key) == ["a", "b"])
        #expect(String(decoding: members[1].raw, as: UTF8.self) == "[true,null,-1.5e3]")
    }

    @Test func encodedStringsRoundTrip() throws {
        // Plain strings take the one-append path, the others the escaping one: both parse back.
        for text in ["", "plain", "é 😀 日本", "tab\there", "q\"uote", "back\\slash", "nul\u{0}", "\u{1F}end", "mixé\n😀\""] {
            let encoded = JSONValue.string(text).jsonString
            #expect(try JSONParser.parse(encoded) == .string(text), "\(encoded)")
            #expect(!encoded.dropFirst().dropLast().utf8.contains { $0 < 0x20 })
        }
    }
}
