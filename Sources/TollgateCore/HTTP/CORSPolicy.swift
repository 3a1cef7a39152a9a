import HTTPTypes
public import Hummingbird

/// CORS as seed 002 describes, for the gateway and portal-api (any origin by default; methods GET, POST, DELETE, OPTIONS;
/// the MCP headers allowed and exposed), with the allowed origins configurable: when the
/// list is not `*`, only listed origins get CORS headers (a browser then blocks the rest).
public struct CORSPolicy<Context: RequestContext>: RouterMiddleware {
    private let origins: Set<String>
    private let reflecting: CORSMiddleware<Context>
    private let any: CORSMiddleware<Context>

    public init(allowedOrigins: [String]) {
        origins = Set(allowedOrigins)
        let headers: [HTTPField.Name] = [
            .authorization, .contentType, .init("X-API-Key")!, .init("Mcp-Session-Id")!, .init("MCP-Protocol-Version")!, .init("Mcp-Method")!, .init("Mcp-Name")!,
            .init("Last-Event-ID")!, .init("X-Requested-With")!,
        ]
        let exposed = ["Mcp-Session-Id", "MCP-Protocol-Version", "WWW-Authenticate"]
        reflecting = CORSMiddleware(allowOrigin: .originBased, allowHeaders: headers, allowMethods: [.get, .post, .delete, .options], exposedHeaders: exposed)
        any = CORSMiddleware(allowOrigin: .all, allowHeaders: headers, allowMethods: [.get, .post, .delete, .options], exposedHeaders: exposed)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Errors become responses before Hummingbird's CORS middleware sees them: it rethrows
        // an error wrapped in a type of its own, which hid our error types from the outer
        // `APIErrorMiddleware` (any failed request with an Origin header became a 500).
        let errors = APIErrorMiddleware<Context>()
        if origins.isEmpty || origins.contains("*") {
            return try await any.handle(request, context: context) { try await errors.handle($0, context: $1, next: next) }
        }
        guard let origin = request.headers.value(.origin), origins.contains(origin) else {
            return try await next(request, context)
        }
        return try await reflecting.handle(request, context: context) { try await errors.handle($0, context: $1, next: next) }
    }
}
