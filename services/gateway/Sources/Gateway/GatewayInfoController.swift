import Hummingbird
import MCPCore
import SharedProto
import TollgateCore

/// Internal routes (internal token) that let portal-api describe the gateway without reading
/// its schema: `GET /internal/v1/tools` (built-in and upstream tools) and `GET /internal/v1/server`.
struct GatewayInfoController: Sendable {
    let dispatcher: MCPDispatcher
    let sanitizedConfiguration: JSONValue
    let internalToken: String

    func addRoutes(to router: Router<GatewayRequestContext>) {
        let token = InternalTokenMiddleware<GatewayRequestContext>(token: internalToken)
        router.group(RouterPath(InternalAPI.Gateway.tools)).add(middleware: token).get { _, _ in
            let body: JSONValue = ["tools": .array(tools)]
            return Response.json(body.jsonString)
        }
        router.group(RouterPath(InternalAPI.Gateway.server)).add(middleware: token).get { _, _ in
            let server: JSONValue = [
                "name": .string(dispatcher.serverName),
                "version": .string(dispatcher.serverVersion),
                "instructions": .string(dispatcher.instructions),
                "protocol_versions": .array(ProtocolVersion.all.map { .string($0) }),
                "upstreams": .array(dispatcher.upstreams.status.map { name, available in
                    ["name": .string(name), "available": .bool(available)]
                }),
                "config": sanitizedConfiguration,
            ]
            return Response.json(server.jsonString)
        }
    }

    /// Every tool, in tools/list order, in the portal's shape.
    var tools: [JSONValue] {
        let builtins = dispatcher.registry.ordered.map { tool in
            Self.tool(name: tool.name, group: tool.group, description: .string(tool.description), schema: tool.inputSchema)
        }
        let federated = dispatcher.upstreams.tools.map { tool in
            Self.tool(
                name: tool.exposedName, group: tool.upstream, description: tool.definition["description"] ?? .string(""),
                schema: tool.definition["inputSchema"] ?? .object([])
            )
        }
        return builtins + federated
    }

    private static func tool(name: String, group: String, description: JSONValue, schema: JSONValue) -> JSONValue {
        ["name": .string(name), "group": .string(group), "description": description, "input_schema": schema]
    }
}
