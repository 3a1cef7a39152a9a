import Foundation
import Hummingbird
import MCPCore
import SharedProto
import TollgateAuth
import TollgateCore

/// The read-only description routes of seed 002: who am I, the server and its configuration,
/// the MCP instructions, the tools, the filter contract of the audit routes and the
/// protected-resource metadata. Tool and server facts come from the gateway.
struct PortalInfoController: Sendable {
    let gateway: ServiceClient
    let invoker: ToolInvoker
    let sanitizedConfiguration: JSONValue
    let oidcIssuer: String?
    let replayBurst: Int
    let replayRefillSeconds: Int
    let baseURL: @Sendable (Request) -> String

    /// The `has=` columns the audit service accepts; anything else is dropped there.
    static let hasKeys = ["request_params", "request_headers", "response_result", "response_error", "notifications", "replayed_from"]

    func addRoutes(to group: RouterGroup<PortalRequestContext>) {
        group.get("portal/me") { _, context in json(Self.identityJSON(try context.requireIdentity())) }
        // The configuration (upstream commands, arguments, URLs) is for admins; other callers
        // learn versions and protocol revisions only.
        group.get("portal/server") { _, context in
            let identity = try context.requireIdentity()
            let server = try await gatewayServer(context)
            guard identity.scopes.contains("admin") else {
                let shown = ["name", "version", "protocol_versions"]
                return json([
                    "version": .string(TollgateVersion.current),
                    "service": "portal-api",
                    "gateway": .object((server.objectValue ?? []).filter { shown.contains($0.0) }),
                ])
            }
            return json([
                "version": .string(TollgateVersion.current),
                "service": "portal-api",
                "config": sanitizedConfiguration,
                "gateway": server,
            ])
        }
        group.get("portal/instructions") { _, context in
            json(["instructions": try await gatewayServer(context)["instructions"] ?? .string("")])
        }
        group.get("portal/tools") { _, context in
            json(["tools": .array(try await tools(context))])
        }
        group.get("portal/tools/{name}") { _, context in
            let name = try context.parameters.require("name")
            guard let tool = try await tools(context).first(where: { $0["name"]?.stringValue == name }) else {
                throw PortalError.notFound("unknown tool: \(name)")
            }
            return json(tool)
        }
        group.get("portal/audit/meta") { _, _ in
            json([
                "has_keys": .array(Self.hasKeys.map { .string($0) }),
                "json_sources": ["param", "response", "header"],
                "replay": [
                    "burst": .number(String(replayBurst)),
                    "refill_secs": .number(String(replayRefillSeconds)),
                    "sustained_min": .number(String(format: "%g", 60.0 / Double(replayRefillSeconds))),
                ],
                "export": ["max_rows": .number(String(InternalAPI.Audit.exportMaxRows))],
            ])
        }
        group.get("portal/wellknown") { request, context in
            let base = baseURL(request)
            let server = try await gatewayServer(context)
            return json([
                "resource_metadata_url": .string("\(base)/.well-known/oauth-protected-resource"),
                "authorization_server_metadata_url": oidcIssuer == nil ? .null : .string("\(base)/.well-known/oauth-authorization-server"),
                "metadata": [
                    "resource": .string("\(base)/mcp"),
                    "authorization_servers": .array(oidcIssuer.map { [.string($0)] } ?? []),
                    "bearer_methods_supported": ["header"],
                    "resource_name": server["name"] ?? .string("tollgate"),
                ],
            ], pretty: true)
        }
    }

    /// The tools the caller may call, in the gateway's order.
    private func tools(_ context: PortalRequestContext) async throws -> [JSONValue] {
        let identity = try context.requireIdentity()
        return try await invoker.tools(requestID: context.id).filter { tool in tool["name"]?.stringValue.map(identity.mayCall) ?? false }
    }

    private func gatewayServer(_ context: PortalRequestContext) async throws -> JSONValue {
        let body = try await gateway.send(.GET, InternalAPI.Gateway.server, requestID: context.id)
        guard let server = try? JSONParser.parse(Array(buffer: body)) else { throw PortalError.unavailable("the gateway answered unreadable server facts") }
        return server
    }

    /// The identity as `/me` shows it.
    static func identityJSON(_ identity: CallerIdentity) -> JSONValue {
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        return [
            "subject": .string(identity.subject),
            "email": optional(identity.email),
            "name": optional(identity.name),
            "auth_type": .string(identity.authType.rawValue),
            "api_key_name": optional(identity.apiKeyName),
            "scopes": .array(identity.scopes.map { .string($0) }),
            "roles": .array(identity.roles.map { .string($0) }),
            "allowed_tools": .array(identity.allowedTools.map { .string($0) }),
            "is_admin": .bool(identity.scopes.contains("admin")),
        ]
    }
}

/// A JSON response of a `JSONValue` (numbers as they were read).
func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, pretty: Bool = false) -> Response {
    var text = value.jsonString
    if pretty, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .withoutEscapingSlashes])
    {
        text = String(decoding: data, as: UTF8.self)
    }
    return Response.json(text, status: status)
}
