public import HTTPTypes

/// A domain error that may be shown to API callers. Services declare small error types
/// conforming to this; `APIErrorMiddleware` turns them into `{"error": message}` at the edge.
/// Anything else becomes a 500 with a generic message, so database or Redis error text
/// never reaches a response body.
public protocol PublicError: Error {
    var status: HTTPResponse.Status { get }
    /// Text safe to show to the caller.
    var publicMessage: String { get }
    /// Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`).
    var headers: HTTPFields { get }
}

extension PublicError {
    public var headers: HTTPFields { [:] }
}
