import HTTPTypes
import MCPCore
import TollgateCore

/// Failures of the MCP endpoint before a JSON-RPC message is dispatched, with the HTTP
/// status they map to. The body is a JSON-RPC error (id null), as MCP clients expect.
struct HTTPLevelError: Error {
    var status: HTTPResponse.Status
    var error: JSONRPCError
    var headers: HTTPFields = [:]
}

/// Why authentication failed.
enum AuthenticationFailure: Error, Equatable {
    case missingCredentials
    case invalid(String)
    /// The keys service could not be asked: not the caller's fault.
    case unavailable

    var message: String {
        switch self {
        case .missingCredentials: "authentication required: send X-API-Key or Authorization: Bearer"
        case .invalid(let reason): reason
        case .unavailable: "authentication is temporarily unavailable"
        }
    }
}
