import Foundation
import Logging
import Testing
@testable import TollgateCore

@Suite struct JSONLogHandlerTests {
    @Test func escapesIntoValidJSON() throws {
        var line = ""
        JSONLogHandler.appendString("quote\" backslash\\ newline\n tab\t bell\u{07} é", to: &line)
        let decoded = try JSONDecoder().decode(String.self, from: Data(line.utf8))
        #expect(decoded == "quote\" backslash\\ newline\n tab\t bell\u{07} é")
    }

    /// Hummingbird's request id (RequestIDMiddleware's only write) is logged as `request_id`.
    @Test func theRequestIDIsWrittenAsRequestID() throws {
        var handler = JSONLogHandler(label: "test", service: "gateway", level: .info)
        handler[metadataKey: "hb.request.id"] = "r-1"
        let event = LogEvent(level: .info, message: "request", metadata: ["http.status": "200"], source: nil, file: "f", function: "g", line: 1)
        let line = handler.line(event)
        #expect(line.hasSuffix("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["request_id"] as? String == "r-1")
        #expect(object["hb.request.id"] == nil)
        #expect(object["http.status"] as? String == "200")
        #expect(object["service"] as? String == "gateway" && object["msg"] as? String == "request")
    }
}
