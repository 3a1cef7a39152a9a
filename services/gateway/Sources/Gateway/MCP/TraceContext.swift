import HTTPTypes
import MCPCore
import TollgateCore

/// W3C Trace Context (`traceparent`) for one request. The caller's comes from the HTTP header
/// or, as SEP-414 lets MCP clients send it, from `params._meta.traceparent`; a request without
/// one starts a new trace. Upstream calls continue the trace as a child of the gateway's span,
/// in the `traceparent` header and in `_meta`. Parsed by hand: the format is four fixed-width
/// hex fields, and a malformed value must be dropped, never forwarded.
struct TraceContext: Sendable, Equatable {
    /// 32 lowercase hex digits, not all zero.
    let traceID: String
    /// 16 lowercase hex digits, not all zero: the span this context points at as parent.
    let spanID: String
    /// 2 hex digits (`01`: sampled).
    let flags: String

    static let headerName = HTTPField.Name("traceparent")!

    /// `version-traceid-spanid-flags`. Version `00` must have exactly four fields; a later
    /// version may append fields (the spec's forward compatibility); `ff` is invalid.
    static func parse(_ value: String?) -> TraceContext? {
        guard let value, value.utf8.count >= 55, value.utf8.count <= 512 else { return nil }
        let fields = value.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4, isHex(fields[0], count: 2), fields[0] != "ff" else { return nil }
        if fields[0] == "00", fields.count != 4 { return nil }
        guard isHex(fields[1], count: 32), isHex(fields[2], count: 16), isHex(fields[3], count: 2),
            fields[1] != Substring(String(repeating: "0", count: 32)), fields[2] != "0000000000000000"
        else { return nil }
        return TraceContext(traceID: String(fields[1]), spanID: String(fields[2]), flags: String(fields[3]))
    }

    /// The caller's context: the header first, then `_meta.traceparent`.
    static func incoming(headers: HTTPFields, meta: JSONValue?) -> TraceContext? {
        parse(headers.value(headerName)) ?? parse(meta?["traceparent"]?.stringValue)
    }

    /// A new trace, sampled.
    static func start() -> TraceContext {
        TraceContext(traceID: randomID() + randomID(), spanID: randomID(), flags: "01")
    }

    /// The same trace with a new span of this process as the parent of what it calls next.
    func child() -> TraceContext {
        TraceContext(traceID: traceID, spanID: Self.randomID(), flags: flags)
    }

    /// The `traceparent` value.
    var header: String { "00-\(traceID)-\(spanID)-\(flags)" }

    private static func isHex(_ field: Substring, count: Int) -> Bool {
        field.utf8.count == count && field.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// 16 hex digits from one draw of the system generator, never all zero (invalid in W3C).
    private static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        var value: UInt64 = 0
        while value == 0 { value = generator.next() }
        return String(value, radix: 16).leftPadded(to: 16)
    }
}
