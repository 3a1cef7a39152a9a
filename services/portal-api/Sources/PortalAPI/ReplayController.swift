import Foundation
import Hummingbird
import MCPCore
import SharedProto
import TollgateAuth
import TollgateCore

/// `POST /api/v1/portal/audit/events/{id}/replay`: runs a recorded call again, as the operator,
/// through the gateway; the new audit row has `source=portal-replay` and `replayed_from`.
/// Everything that can make a replay impossible is checked before a token of the operator's
/// bucket (burst 5, one per 12 s by default, in Redis for every replica) is spent.
struct ReplayController: Sendable {
    let audit: ServiceClient
    let invoker: ToolInvoker
    let limiter: RateLimiter

    func addRoutes(to group: RouterGroup<PortalRequestContext>) {
        group.post("portal/audit/events/{id}/replay") { request, context in try await replay(request, context) }
    }

    private func replay(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard PortalAuthMiddleware.hasCSRFHeader(request) else {
            throw PortalError.forbidden("X-Requested-With header required for replay")
        }
        guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw PortalError.badRequest("id must be a UUID") }
        let body = try await audit.send(
            .GET, "\(InternalAPI.Audit.events)/\(id.uuidString.lowercased())", requestID: context.id, headers: ServiceClient.auditScope(identity)
        )
        guard let event = try? JSONParser.parse(Array(buffer: body)), let tool = event["tool_name"]?.stringValue else {
            throw PortalError.unavailable("the audit service answered an unreadable event")
        }
        let arguments = try Self.replayableArguments(of: event)
        guard try await invoker.tools(requestID: context.id).contains(where: { $0["name"]?.stringValue == tool }) else {
            throw PortalError.unprocessable("tool \(tool) no longer exists; this call cannot be replayed")
        }
        guard identity.mayCall(tool) else { throw PortalError.forbidden("you may not call \(tool)") }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        if case .limited(let seconds) = await limiter.check(identity: identity.subject, nowMilliseconds: now) {
            throw PortalError.rateLimited(retryAfterSeconds: seconds)
        }
        return try await invoker.invoke(
            tool: tool, rawArguments: arguments, as: identity, source: .replay, replayedFrom: id, requestID: context.id
        )
    }

    /// The recorded arguments as JSON text, or why they cannot be replayed. A call the
    /// allow-list denied, and an authentication failure, never ran: replaying one would run
    /// it with the replaying operator's rights.
    static func replayableArguments(of event: JSONValue) throws -> String {
        switch event["error_category"]?.stringValue {
        case "denied"?: throw PortalError.unprocessable("this call was denied to its caller; it cannot be replayed")
        case "auth"?: throw PortalError.unprocessable("this was an authentication failure, not a call; it cannot be replayed")
        default: break
        }
        if event["tool_name"]?.stringValue == "(authentication)" {
            throw PortalError.unprocessable("this was an authentication failure, not a call; it cannot be replayed")
        }
        if let method = event["payload"]?["jsonrpc_method"]?.stringValue, method != "tools/call" {
            throw PortalError.unprocessable("only tool calls can be replayed (this was \(method))")
        }
        guard let payload = event["payload"], case .object = payload else {
            throw PortalError.unprocessable("this event has no captured payload; it cannot be replayed")
        }
        if payload["request_truncated"] == .bool(true) {
            throw PortalError.unprocessable("the captured request was truncated; it cannot be replayed")
        }
        let arguments = payload["request_params"] ?? .null
        if arguments == .null { return "{}" }
        guard case .object = arguments else { throw PortalError.unprocessable("the captured arguments are not an object; it cannot be replayed") }
        if arguments.containsRedaction {
            throw PortalError.unprocessable("the captured arguments contain redacted values; it cannot be replayed")
        }
        return arguments.jsonString
    }
}
