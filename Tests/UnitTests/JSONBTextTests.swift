@testable import Audit
import Foundation
import SharedProto
import Testing

/// `JSONBText` against renderings Postgres 15 gives (`SELECT '...'::jsonb::text`); the
/// integration test `JSONBDifferentialTests` compares both on thousands of generated documents.
@Suite struct JSONBTextTests {
    static func render(_ json: String) -> String? {
        var output: [UInt8] = []
        guard JSONBText.append(json: json, to: &output) else { return nil }
        return String(decoding: output, as: UTF8.self)
    }

    @Test(arguments: [
        (#" {"b":1,"a":2 , "aa" :[] ,"c":{}} "#, #"{"a": 2, "b": 1, "c": {}, "aa": []}"#),
        (#"{"k": 1, "k": 2, "j": [1,2], "k": 3}"#, #"{"j": [1, 2], "k": 3}"#),
        (#"{"é": 1, "z": 2, "zz": 3, "Z": 4}"#, #"{"Z": 4, "z": 2, "zz": 3, "é": 1}"#),
        (#"[{"b":[{"d":1,"c":2}],"a":null}, true, false]"#, #"[{"a": null, "b": [{"c": 2, "d": 1}]}, true, false]"#),
        (#""just a string""#, #""just a string""#),
        ("null", "null"),
    ])
    func structureIsRenderedInJSONBOrder(input: String, expected: String) {
        #expect(Self.render(input) == expected)
    }

    @Test(arguments: [
        ("0", "0"), ("-0", "0"), ("-0.000", "0.000"), ("1.50", "1.50"), ("1e2", "100"), ("1E+2", "100"), ("1.5e-3", "0.0015"),
        ("12.30e1", "123.0"), ("0.0e-3", "0.0000"), ("-12e-1", "-1.2"), ("123456789012345678901234567890", "123456789012345678901234567890"),
        ("0.000001", "0.000001"), ("5e0", "5"), ("-1.25E1", "-12.5"), ("2.5e1", "25"),
    ])
    func numbersArePrintedAsNumeric(input: String, expected: String) {
        #expect(Self.render(input) == expected)
        #expect(Self.render("[\(input)]") == "[\(expected)]")
    }

    @Test func stringsAreUnescapedThenEscapedAsPostgresDoes() {
        #expect(Self.render(#""\u0041\/\u00e9\ud83d\ude00 \b\f\n\r\t \u001F \u007f \"\\""#) == "\"A/é😀 \\b\\f\\n\\r\\t \\u001f \u{7f} \\\"\\\\\"")
        #expect(Self.render(#"{"\n\u0001": "\u2028"}"#) == "{\"\\n\\u0001\": \"\u{2028}\"}")
        var output: [UInt8] = []
        JSONBText.append(string: "tab\there \u{1} é \"q\"", to: &output)
        #expect(String(decoding: output, as: UTF8.self) == #""tab\there \u0001 é \"q\"""#)
    }

    /// Text Postgres refuses, and what is left to Postgres, answer nil.
    @Test(arguments: [
        #""\u0000""#, #""\ud83d""#, #""\ude00""#, #""\ud83d x""#, #""\ud83d\ud83d""#, "\"raw\ttab\"", #""\x""#, "01", "1.", ".5", "+1", "-",
        "1e", "tru", "nul", "[1,]", #"{"a" 1}"#, #"{"a":1,}"#, "[1] x", "", "  ", #"{"a":1"#, "[", "1e1001", "1e-1001", "1e-1000", "1e1000",
        "1" + String(repeating: "0", count: 1000), String(repeating: "[", count: 129) + String(repeating: "]", count: 129),
    ])
    func refusedOrUncertainAnswersNil(input: String) {
        #expect(Self.render(input) == nil)
    }

    @Test func nestingUpToTheBoundIsRendered() {
        let deep = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(Self.render(deep) == deep)
    }

    /// Many keys and long values stay linear: 100,000 keys, the last one repeated.
    @Test func manyKeysAreSortedOnce() {
        let members = (0..<100_000).map { "\"k\($0)\": \($0)" }.joined(separator: ",")
        let rendered = Self.render("{\(members), \"k5\": -1}")
        #expect(rendered?.hasPrefix(#"{"k0": 0, "k1": 1, "k2": 2, "k3": 3, "k4": 4, "k5": -1, "k6": 6"#) == true)
        #expect(rendered?.hasSuffix(#""k99999": 99999}"#) == true)
    }

    @Test func canonicalEventRowIsJSONBBuildArray() throws {
        let id = UUID(uuidString: "0E1B2C3D-4E5F-4061-8283-A4B5C6D7E8F9")!
        let event = AuditEvent(
            id: id, timestamp: Date(timeIntervalSince1970: -1.5), durationMs: 7, requestID: "r\n1", toolName: "echo",
            parameters: #"{"b": 1e1, "a": "x"}"#, success: true, requestChars: 3, transport: "http", source: "mcp"
        )
        let text = CanonicalRow.event(event).map { String(decoding: $0, as: UTF8.self) }
        #expect(
            text == #"["0e1b2c3d-4e5f-4061-8283-a4b5c6d7e8f9", -1.500000, 7, "r\n1", null, null, null, null, null, "echo", null, {"a": "x", "b": 10}, true, null, null, 3, null, null, "http", "mcp", null, null, null]"#
        )
        var uncertain = event
        uncertain.parameters = "{\"n\": 1e5000}"
        #expect(CanonicalRow.event(uncertain) == nil)
    }
}
