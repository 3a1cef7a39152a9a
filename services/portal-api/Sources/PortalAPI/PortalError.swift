import Foundation
public import HTTPTypes
import TollgateCore

/// Failures of portal routes that callers may see; `APIErrorMiddleware` renders them as
/// `{"error": "..."}`. Messages never carry another service's internals.
public enum PortalError: PublicError, Equatable {
    case unauthenticated(String, resourceMetadata: String)
    case forbidden(String)
    case badRequest(String)
    case notFound(String)
    case conflict(String)
    /// The tool answered with a protocol (JSON-RPC) error instead of a result: the request was
    /// understood and carried out, the tool refused it (422, not a server failure).
    case toolFailed(String)
    /// Well-formed input that a rule the schema cannot express refuses: an event that cannot
    /// be replayed, an expiry in the past (422; 400 means the input itself is malformed).
    case unprocessable(String)
    case rateLimited(retryAfterSeconds: Int)
    /// A service the route depends on is down, slow or failing; or a feature is not configured.
    case unavailable(String)

    /// A refusal by a service the portal asked (`name`, e.g. "keys service"): its client errors
    /// reach the caller with their message; anything else means the service failed (503).
    static func refused(by name: String, status: Int, message: String) -> PortalError {
        switch status {
        case 400, 413: .badRequest(message)
        case 422: .unprocessable(message)
        case 404: .notFound(message)
        case 409: .conflict(message)
        case 502: .toolFailed(message)
        default: .unavailable("the \(name) failed to answer (\(status))")
        }
    }

    public var status: HTTPResponse.Status {
        switch self {
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .badRequest: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .toolFailed, .unprocessable: .unprocessableContent
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        }
    }

    public var publicMessage: String {
        switch self {
        case .unauthenticated(let message, _), .forbidden(let message), .badRequest(let message), .notFound(let message), .unavailable(let message),
            .conflict(let message), .toolFailed(let message), .unprocessable(let message):
            message
        case .rateLimited(let seconds): "replay limit reached; retry in \(seconds) s"
        }
    }

    public var headers: HTTPFields {
        switch self {
        case .unauthenticated(_, let metadata):
            [.wwwAuthenticate: #"Bearer realm="tollgate", resource_metadata="\#(metadata)""#]
        case .rateLimited(let seconds):
            [.retryAfter: "\(seconds)"]
        default:
            [:]
        }
    }
}
