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
