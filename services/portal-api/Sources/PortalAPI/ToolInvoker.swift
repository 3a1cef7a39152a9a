import Foundation
import Hummingbird
import MCPCore
import SharedProto
import TollgateAuth

/// Runs a tool through the gateway's internal invoke route as the portal's operator, for
/// try-it and replay; the gateway writes the audit row with the given source.
struct ToolInvoker: Sendable {
    /// A tool call may run long (`slow` sleeps up to 60 s, upstreams have their own timeouts).
    static let callTimeout = Duration.seconds(130)

    let gateway: ServiceClient

    enum Source: String {
        case tryit = "portal-tryit"
        case replay = "portal-replay"
    }

    /// The tool's CallToolResult as the gateway answered it (bytes unchanged).
    /// `rawArguments` is JSON object text, passed through without re-encoding.
    func invoke(tool: String, rawArguments: String, as identity: CallerIdentity, source: Source, replayedFrom: UUID? = nil, requestID: String) async throws -> Response {
        let identityJSON = PortalInfoController.identityJSON(identity)
        var body = #"{"arguments":\#(rawArguments),"identity":\#(identityJSON.jsonString),"source":"\#(source.rawValue)""#
        if let replayedFrom { body += #","replayed_from":"\#(replayedFrom.uuidString.lowercased())""# }
        body += "}"
        let path = "\(InternalAPI.Gateway.invoke)/\(tool.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? tool)"
        let result = try await gateway.send(.POST, path, body: ByteBuffer(string: body), requestID: requestID, timeout: Self.callTimeout)
        return Response.json(result)
    }

    /// Every tool the gateway serves now, as `{name, group, description, input_schema}`.
    func tools(requestID: String) async throws -> [JSONValue] {
        let body = try await gateway.send(.GET, InternalAPI.Gateway.tools, requestID: requestID)
        guard let tools = (try? JSONParser.parse(Array(buffer: body)))?["tools"]?.arrayValue else {
            throw PortalError.unavailable("the gateway answered an unreadable tool list")
        }
        return tools
    }
}
