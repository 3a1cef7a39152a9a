import MCPCore

/// `whoami`: the caller as the gateway authenticated it.
struct WhoamiTool: BuiltinTool {
    let definition = ToolDefinition(
        name: "whoami", description: "Returns the authenticated caller: subject, email, name, auth_type and claims.",
        inputSchema: Schema.object([]), group: "identity", annotations: ["readOnlyHint": true]
    )

    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        let identity = context.identity
        let structured: JSONValue = [
            "subject": .string(identity.subject),
            "email": identity.email.map { .string($0) } ?? .null,
            "name": identity.name.map { .string($0) } ?? .null,
            "auth_type": .string(identity.authType.rawValue),
            "claims": identity.claims,
        ]
        return ToolResult.text(structured.jsonString, structured: structured)
    }
}

/// `echo`: returns `message`, and `extras` exactly as sent (numbers as written).
struct EchoTool: BuiltinTool {
    let definition = ToolDefinition(
        name: "echo", description: "Echoes `message`; `extras` (any JSON) comes back unchanged.",
        inputSchema: Schema.object([("message", Schema.string("Text to echo.")), ("extras", ["description": "Any JSON value, returned unchanged."])], required: ["message"]),
        group: "identity", annotations: ["readOnlyHint": true]
    )

    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        let arguments = try ToolArguments(arguments)
        let message = try arguments.string("message")
        var structured: [(String, JSONValue)] = [("message", .string(message))]
        if let extras = arguments.value["extras"] { structured.append(("extras", extras)) }
        return ToolResult.text(message, structured: .object(structured))
    }
}

/// `headers`: the HTTP headers the gateway received, credentials redacted.
struct HeadersTool: BuiltinTool {
    static let credentialHeaders: Set<String> = ["authorization", "x-api-key", "cookie", "proxy-authorization", "x-tollgate-internal-token"]

    let definition = ToolDefinition(
        name: "headers", description: "Returns the request headers the gateway received; credential headers are redacted.",
        inputSchema: Schema.object([]), group: "identity", annotations: ["readOnlyHint": true]
    )

    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        var grouped: [(String, [String])] = []
        for field in context.headers {
            let (name, value) = (field.name.canonicalName, field.value)
            let shown = Self.credentialHeaders.contains(name) ? "[redacted]" : value
            if let index = grouped.firstIndex(where: { $0.0 == name }) {
                grouped[index].1.append(shown)
            } else {
                grouped.append((name, [shown]))
            }
        }
        let structured = JSONValue.object([("headers", .object(grouped.map { ($0.0, .array($0.1.map { .string($0) })) }))])
        return ToolResult.text(structured.jsonString, structured: structured)
    }
}
