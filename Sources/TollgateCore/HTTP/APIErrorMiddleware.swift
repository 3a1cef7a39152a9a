import Foundation
public import Hummingbird
import Logging
import SharedProto

/// Turns every error into the API's error format `{"error": "..."}` with the right status.
public struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any PublicError {
            return Self.response(status: error.status, message: error.publicMessage, headers: error.headers)
        } catch let error as HTTPError {
            let message = error.body ?? error.status.reasonPhrase.lowercased()
            return Self.response(status: error.status, message: message, headers: error.headers)
        } catch let error as any HTTPResponseError {
            return Self.response(status: error.status, message: error.status.reasonPhrase.lowercased(), headers: [:])
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return Self.response(status: .internalServerError, message: "internal server error", headers: [:])
        }
    }

    /// A JSON error response.
    public static func response(status: HTTPResponse.Status, message: String, headers: HTTPFields = [:]) -> Response {
        let body = (try? JSONEncoder().encode(ErrorBody(error: message))) ?? Data(#"{"error":"internal server error"}"#.utf8)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = nil
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
