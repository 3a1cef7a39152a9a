import MCPCore
import TollgateAuth

/// Every tool the gateway serves, by name, in a stable order.
struct ToolRegistry: Sendable {
    private let tools: [String: any BuiltinTool]
    let ordered: [ToolDefinition]

    init(builtins: [any BuiltinTool]) {
        var byName: [String: any BuiltinTool] = [:]
        for tool in builtins { byName[tool.definition.name] = tool }
        self.tools = byName
        self.ordered = builtins.map(\.definition)
    }

    func tool(named name: String) -> (any BuiltinTool)? { tools[name] }

    /// The tools `identity` may call.
    func visible(to identity: CallerIdentity) -> [ToolDefinition] {
        ordered.filter { ToolGlob.allows(identity.allowedTools, $0.name) }
    }

    /// Tools whose calls may run long: answered as a stream that notices the client leaving.
    static let longRunning: Set<String> = ["slow", "progress"]
}
