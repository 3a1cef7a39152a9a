import Crypto
import MCPCore

/// `error`: a synthetic failure, as a tool error (`as_tool`) or a JSON-RPC error.
struct ErrorTool: BuiltinTool {
    /// JSON-RPC codes of the synthetic protocol errors, by category.
    static let codes: [String: Int] = ["protocol": -32603, "tool": -32000, "timeout": -32001, "auth": -32003]

    let definition = ToolDefinition(
        name: "error",
        description: "Fails on purpose. `category`: protocol, tool, timeout or auth. With `as_tool` the failure is a tool result with isError; otherwise a JSON-RPC error.",
        inputSchema: Schema.object([
            ("message", Schema.string("Error text; default \"synthetic error\".")),
            ("category", ["type": "string", "enum": ["protocol", "tool", "timeout", "auth"]]),
            ("as_tool", Schema.boolean("Return a tool result with isError instead of a JSON-RPC error.")),
        ]),
        group: "failure"
    )

    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        let arguments = try ToolArguments(arguments)
        let message = try arguments.string("message", default: "synthetic error")
        let category = try arguments.string("category", default: "tool")
        guard let code = Self.codes[category] else {
            throw JSONRPCError.invalidParams("'category' must be one of protocol, tool, timeout, auth")
        }
        if try arguments.bool("as_tool", default: false) {
            return ToolResult.text(message, structured: ["category": .string(category), "message": .string(message)], isError: true)
        }
        throw JSONRPCError(code: code, message: message, data: ["category": .string(category)])
    }
}

/// `slow`: sleeps `milliseconds` (at most 60000) unless cancelled first.
struct SlowTool: BuiltinTool {
    let definition = ToolDefinition(
        name: "slow", description: "Sleeps `milliseconds` (max 60000) and returns {slept_ms}; stops when the call is cancelled.",
        inputSchema: Schema.object([("milliseconds", Schema.integer("How long to sleep.", minimum: 0, maximum: 60000))], required: ["milliseconds"]),
        group: "failure", annotations: ["readOnlyHint": true]
    )

    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        let milliseconds = try ToolArguments(arguments).int("milliseconds", range: 0...60000)
        try await Task.sleep(for: .milliseconds(milliseconds))
        return ToolResult.text("slept \(milliseconds) ms", structured: ["slept_ms": .int(milliseconds)])
    }
}

/// `flaky`: fails with probability `fail_rate`; the roll depends only on `seed` and `call_id`.
struct FlakyTool: BuiltinTool {
    let definition = ToolDefinition(
        name: "flaky",
        description: "Fails (isError) when roll < `fail_rate`. The roll in [0,1) is derived from `seed` and `call_id`, so the same inputs always give the same outcome.",
        inputSchema: Schema.object([
            ("fail_rate", ["type": "number", "minimum": 0, "maximum": 1]),
            ("seed", ["type": ["string", "integer"]]),
            ("call_id", ["type": ["string", "integer"]]),
        ]),
        group: "failure", annotations: ["readOnlyHint": true]
    )

    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        let arguments = try ToolArguments(arguments)
        let failRate = try arguments.double("fail_rate", default: 0.5, range: 0...1)
        let seed = try arguments.token("seed", default: "0")
        let callID = try arguments.token("call_id", default: "0")
        let bits = SHA256.hash(data: Array("\(seed):\(callID)".utf8)).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let roll = Double(bits >> 11) / Double(UInt64(1) << 53)
        let failed = roll < failRate
        let structured: JSONValue = ["roll": .number(String(roll)), "fail_rate": .number(String(failRate)), "failed": .bool(failed)]
        return ToolResult.text(failed ? "flaky failure (roll \(roll))" : "ok (roll \(roll))", structured: structured, isError: failed)
    }
}
