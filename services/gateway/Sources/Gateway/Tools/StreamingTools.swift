import MCPCore

/// `progress`: `steps` steps `step_ms` apart, one `notifications/progress` per step.
struct ProgressTool: BuiltinTool {
    let definition = ToolDefinition(
        name: "progress",
        description: "Runs `steps` steps (default 5, max 100) `step_ms` apart (default 200, max 5000), sending one progress notification per step when the caller sent a progressToken.",
        inputSchema: Schema.object([
            ("steps", Schema.integer("Number of steps.", minimum: 1, maximum: 100)),
            ("step_ms", Schema.integer("Milliseconds between steps.", minimum: 0, maximum: 5000)),
        ]),
        group: "streaming", annotations: ["readOnlyHint": true]
    )

    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        let arguments = try ToolArguments(arguments)
        let steps = try arguments.int("steps", default: 5, range: 1...100)
        let stepMilliseconds = try arguments.int("step_ms", default: 200, range: 0...5000)
        for step in 1...steps {
            try await Task.sleep(for: .milliseconds(stepMilliseconds))
            await context.progress?.report(progress: Double(step), total: Double(steps), message: "step \(step) of \(steps)")
        }
        return ToolResult.text("completed \(steps) steps", structured: ["steps": .int(steps), "step_ms": .int(stepMilliseconds)])
    }
}

/// `long_output`: `blocks` text blocks (default 3, max 50) of `chars` characters (default 256, max 65536).
struct LongOutputTool: BuiltinTool {
    let definition = ToolDefinition(
        name: "long_output", description: "Returns `blocks` text content blocks of `chars` characters each.",
        inputSchema: Schema.object([
            ("blocks", Schema.integer("Number of blocks.", minimum: 1, maximum: 50)),
            ("chars", Schema.integer("Characters per block.", minimum: 1, maximum: 65536)),
        ]),
        group: "streaming", annotations: ["readOnlyHint": true]
    )

    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        let arguments = try ToolArguments(arguments)
        let blocks = try arguments.int("blocks", default: 3, range: 1...50)
        let chars = try arguments.int("chars", default: 256, range: 1...65536)
        let content: [JSONValue] = (0..<blocks).map { index in
            let label = "block \(index + 1): "
            let letter = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(index % 26)))
            let text = String((label + String(repeating: letter, count: max(0, chars - label.count))).prefix(chars))
            return ["type": "text", "text": .string(text)]
        }
        return ToolResult.content(content, structured: ["blocks": .int(blocks), "chars": .int(chars)])
    }
}

/// `chatty`: one result with content blocks of every kind (text, image, audio, resource link, embedded resource).
struct ChattyTool: BuiltinTool {
    /// A 1x1 transparent PNG.
    static let pixelPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    /// 8 samples of silence as a WAV file.
    static let silenceWAV = "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA=="

    let definition = ToolDefinition(
        name: "chatty", description: "Returns several content blocks of mixed kinds in one result.",
        inputSchema: Schema.object([]), group: "streaming", annotations: ["readOnlyHint": true]
    )

    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        ToolResult.content([
            ["type": "text", "text": "Here is a text block."],
            ["type": "image", "data": .string(Self.pixelPNG), "mimeType": "image/png"],
            ["type": "text", "text": "And a second text block."],
            ["type": "audio", "data": .string(Self.silenceWAV), "mimeType": "audio/wav"],
            ["type": "resource_link", "uri": "tollgate://fixtures/readme", "name": "readme", "mimeType": "text/plain"],
            ["type": "resource", "resource": ["uri": "tollgate://fixtures/embedded", "mimeType": "text/plain", "text": "Embedded resource text."]],
        ])
    }
}
