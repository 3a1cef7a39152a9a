import HTTPTypes
public import Hummingbird
import SharedProto

/// Guards internal routes: the request must carry the shared internal token in
/// `X-Tollgate-Internal-Token`. The comparison takes the same time wherever the first
/// difference is, so the token cannot be guessed byte by byte.
public struct InternalTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    private let token: [UInt8]

    public init(token: String) {
        self.token = Array(token.utf8)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let presented = request.headers[HTTPField.Name(InternalAPI.tokenHeader)!],
            ConstantTime.equals(Array(presented.utf8), token)
        else {
            throw HTTPError(.unauthorized, message: "missing or invalid internal token")
        }
        return try await next(request, context)
    }
}
