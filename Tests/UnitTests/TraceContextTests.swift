import HTTPTypes
import MCPCore
import Testing

@testable import Gateway

@Suite struct TraceContextTests {
    @Test func parsesValidTraceparents() throws {
        let parsed = try #require(TraceContext.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        #expect(parsed.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && parsed.spanID == "00f067aa0ba902b7" && parsed.flags == "01")
        // A later version may append fields.
        #expect(TraceContext.parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra") != nil)
    }

    @Test(arguments: [
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // uppercase
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero span id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // invalid version
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // version 00 has four fields
        "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",  // shifted fields
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX-Injected: 1",
        "",
    ])
    func refusesMalformedTraceparents(_ value: String) {
        #expect(TraceContext.parse(value) == nil)
    }

    @Test func childContinuesTheTraceWithANewSpan() throws {
        let parent = TraceContext.start()
        let child = parent.child()
        #expect(child.traceID == parent.traceID && child.flags == parent.flags && child.spanID != parent.spanID)
        #expect(TraceContext.parse(child.header) == child)
    }

    @Test func theHeaderWinsOverMeta() {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let meta: JSONValue = ["traceparent": "00-11111111111111111111111111111111-2222222222222222-01"]
        #expect(TraceContext.incoming(headers: [TraceContext.headerName: header], meta: meta)?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(TraceContext.incoming(headers: [TraceContext.headerName: "garbage"], meta: meta)?.traceID == "11111111111111111111111111111111")
        #expect(TraceContext.incoming(headers: [:], meta: nil) == nil)
    }
}
