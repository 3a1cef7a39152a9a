import HTTPTypes
import Testing
import TollgateCore

/// `HTTPFields.value(_:)` answers what the library's subscript answers.
@Suite struct HTTPFieldsValueTests {
    @Test func valuesAreWhatTheSubscriptReads() {
        let accept = HTTPField.Name("Accept")!, key = HTTPField.Name("X-API-Key")!, absent = HTTPField.Name("Mcp-Session-Id")!
        var cases: [HTTPFields] = [
            [:],
            [.accept: "application/json, text/event-stream"],
            [key: "tg_1", .contentType: "application/json"],
            [key: ""],
        ]
        var repeated = HTTPFields()
        repeated.append(HTTPField(name: .accept, value: "application/json"))
        repeated.append(HTTPField(name: .contentType, value: "text/plain"))
        repeated.append(HTTPField(name: HTTPField.Name("ACCEPT")!, value: "text/event-stream"))
        repeated.append(HTTPField(name: .accept, value: ""))
        cases.append(repeated)
        var cookies = HTTPFields()
        cookies.append(HTTPField(name: .cookie, value: "a=1"))
        cookies.append(HTTPField(name: .cookie, value: "b=2"))
        cases.append(cookies)
        for fields in cases {
            for name in [accept, key, absent, .contentType, .cookie, HTTPField.Name("x-api-KEY")!] {
                #expect(fields.value(name) == fields[name], "\(name) in \(fields)")
            }
        }
        #expect(repeated.value(.accept) == "application/json, text/event-stream, ")
        #expect(cookies.value(.cookie) == "a=1; b=2")
    }
}
