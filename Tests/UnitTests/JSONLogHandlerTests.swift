import Foundation
import Testing
@testable import TollgateCore

@Suite struct JSONLogHandlerTests {
    @Test func escapesIntoValidJSON() throws {
        var line = ""
        JSONLogHandler.appendString("quote\" backslash\\ newline\n tab\t bell\u{07} é", to: &line)
        let decoded = try JSONDecoder().decode(String.self, from: Data(line.utf8))
        #expect(decoded == "quote\" backslash\\ newline\n tab\t bell\u{07} é")
    }
}
