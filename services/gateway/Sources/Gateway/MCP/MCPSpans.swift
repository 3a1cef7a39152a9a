import MCPCore
import Tracing

/// A server span per MCP request, exported over OTLP by swift-otel when `otel.endpoint` is
/// set (nothing is started otherwise). Names and attributes follow the OpenTelemetry MCP and
/// GenAI conventions: `tools/call get_weather`, `mcp.method.name`, `gen_ai.tool.name`,
/// `mcp.session.id`, `jsonrpc.request.id`, `error.type`.
struct MCPSpans: Sendable {
    let tracer: (any Tracer)?

    static let off = MCPSpans(tracer: nil)

    /// Starts the span of one request as a child of the caller's trace (or a new trace). Its
    /// context is the parent that upstream calls name.
    func start(method: String, target: String?, parent: TraceContext?, requestID: JSONRPCID, sessionID: String?, protocolVersion: String) -> RequestSpan? {
        guard let tracer else { return nil }
        var context = ServiceContext.topLevel
        if let parent { tracer.extract(["traceparent": parent.header], into: &context, using: DictionaryExtractor()) }
        let span: any Span = tracer.startSpan(target.map { "\(method) \($0)" } ?? method, context: context, ofKind: .server)
        span.attributes["mcp.method.name"] = method
        span.attributes["jsonrpc.request.id"] = requestID.description
        span.attributes["mcp.protocol.version"] = protocolVersion
        span.attributes["network.transport"] = "tcp"
        if let sessionID { span.attributes["mcp.session.id"] = sessionID }
        switch method {
        case "tools/call":
            span.attributes["gen_ai.operation.name"] = "execute_tool"
            if let target { span.attributes["gen_ai.tool.name"] = target }
        case "prompts/get":
            if let target { span.attributes["gen_ai.prompt.name"] = target }
        case "resources/read":
            if let target { span.attributes["mcp.resource.uri"] = target }
        default:
            break
        }
        var carrier: [String: String] = [:]
        tracer.inject(span.context, into: &carrier, using: DictionaryInjector())
        return RequestSpan(span: span, context: carrier["traceparent"].flatMap(TraceContext.parse))
    }
}

/// One request's span, ended with the request's outcome.
struct RequestSpan: Sendable {
    let span: any Span
    /// The span as a W3C trace context (nil if the tracer does not propagate one).
    let context: TraceContext?

    func end(_ outcome: Result<String, JSONRPCError>) {
        if case .failure(let error) = outcome {
            span.attributes["error.type"] = String(error.code)
            span.attributes["rpc.jsonrpc.error_code"] = error.code
            span.setStatus(SpanStatus(code: .error, message: error.message))
        }
        span.end()
    }
}

/// Reads a `[String: String]` carrier (the incoming trace context).
private struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

/// Writes a `[String: String]` carrier (the span's own trace context).
private struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
