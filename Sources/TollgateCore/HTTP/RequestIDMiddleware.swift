import HTTPTypes
public import Hummingbird
import Logging
import SharedProto

/// Gives every request an id: the caller's `X-Request-Id` when it is sane (1 to 128
/// characters of letters, digits and `-_.:`), otherwise Hummingbird's own. The id goes into
/// every log line of the request and back in the response's `X-Request-Id`. With
/// `accessLog`, one line per request is logged (health and metrics probes excluded).
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    public static var headerName: HTTPField.Name { HTTPField.Name(InternalAPI.requestIDHeader)! }
    private let accessLog: Bool

    public init(accessLog: Bool) {
        self.accessLog = accessLog
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = request.headers.value(Self.headerName).flatMap { Self.isAcceptable($0) ? $0 : nil } ?? context.id
        // Hummingbird's `context.id` reads (and force-unwraps) this key: keep it, with the effective id.
        context.logger[metadataKey: "hb.request.id"] = .string(id)
        context.logger[metadataKey: "request_id"] = .string(id)
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[Self.headerName] = id
        if accessLog, !Self.isProbe(request.uri.path) {
            let elapsed = ContinuousClock.now - start
            context.logger.info(
                "request",
                metadata: [
                    "http.method": "\(request.method)",
                    "http.path": "\(request.uri.path)",
                    "http.status": "\(response.status.code)",
                    "duration_ms": "\(Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000 + Double(elapsed.components.seconds) * 1000)",
                ]
            )
        }
        return response
    }

    static func isAcceptable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
            }
    }

    private static func isProbe(_ path: String) -> Bool {
        path == "/healthz" || path == "/readyz" || path == "/metrics"
    }
}
