import HTTPTypes
import MCPCore
import TollgateAuth

/// What a tool is, as `tools/list` shows it.
struct ToolDefinition: Sendable {
    var name: String
    var description: String
    var inputSchema: JSONValue
    /// The fixture group or upstream name, for configuration and the audit trail.
    var group: String
    var annotations: JSONValue?

    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", .string(name)),
            ("description", .string(description)),
            ("inputSchema", inputSchema),
        ]
        if let annotations { members.append(("annotations", annotations)) }
        return .object(members)
    }
}

/// Sends `notifications/progress` for the running call, when the caller asked for them.
struct ProgressReporter: Sendable {
    let token: JSONValue
    let send: @Sendable (String) async -> Void

    func report(progress: Double, total: Double?, message: String?) async {
        var params: [(String, JSONValue)] = [("progressToken", token), ("progress", .number(Self.format(progress)))]
        if let total { params.append(("total", .number(Self.format(total)))) }
        if let message { params.append(("message", .string(message))) }
        await send(JSONRPCEncoder.notification(method: "notifications/progress", params: .object(params)))
    }

    private static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// Everything a tool call gets besides its arguments.
struct ToolCallContext: Sendable {
    var identity: CallerIdentity
    /// The request's headers.
    var headers: HTTPFields
    /// Present when the caller sent a progress token and can receive notifications.
    var progress: ProgressReporter?
    /// The caller's trace, or the one started for the call's audit row.
    var trace: TraceContext? = nil
    /// The gateway's own span of this request, when spans are exported: upstream calls name it
    /// as their parent.
    var span: TraceContext? = nil
    /// How an upstream's questions reach the caller; nil when they cannot.
    var interaction: ClientInteraction? = nil

    /// What an upstream call carries: a new span of the gateway in the trace (a new trace when
    /// there is none yet).
    var upstreamTrace: TraceContext { span ?? (trace ?? .start()).child() }
}

/// A tool implemented inside the gateway. Cancellation arrives as task cancellation.
protocol BuiltinTool: Sendable {
    var definition: ToolDefinition { get }
    /// Returns a `CallToolResult` object, or throws a `JSONRPCError` for protocol errors.
    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue
}

/// Helpers to build `CallToolResult` values.
enum ToolResult {
    static func text(_ text: String, structured: JSONValue? = nil, isError: Bool = false) -> JSONValue {
        content([["type": "text", "text": .string(text)]], structured: structured, isError: isError)
    }

    static func content(_ blocks: [JSONValue], structured: JSONValue? = nil, isError: Bool = false) -> JSONValue {
        var members: [(String, JSONValue)] = [("content", .array(blocks))]
        if let structured { members.append(("structuredContent", structured)) }
        members.append(("isError", .bool(isError)))
        return .object(members)
    }
}

/// Typed reading of tool arguments with `invalid params` errors that name the field.
struct ToolArguments {
    let value: JSONValue

    init(_ value: JSONValue) throws(JSONRPCError) {
        guard case .object = value else { throw .invalidParams("arguments must be an object") }
        self.value = value
    }

    func string(_ key: String, default fallback: String? = nil) throws(JSONRPCError) -> String {
        switch value[key] {
        case nil, .null?:
            guard let fallback else { throw .invalidParams("'\(key)' is required") }
            return fallback
        case .string(let text)?: return text
        default: throw .invalidParams("'\(key)' must be a string")
        }
    }

    func int(_ key: String, default fallback: Int? = nil, range: ClosedRange<Int>) throws(JSONRPCError) -> Int {
        switch value[key] {
        case nil, .null?:
            guard let fallback else { throw .invalidParams("'\(key)' is required") }
            return fallback
        case let number?:
            guard let int = number.intValue else { throw .invalidParams("'\(key)' must be an integer") }
            guard range.contains(int) else { throw .invalidParams("'\(key)' must be between \(range.lowerBound) and \(range.upperBound)") }
            return int
        }
    }

    func double(_ key: String, default fallback: Double, range: ClosedRange<Double>) throws(JSONRPCError) -> Double {
        switch value[key] {
        case nil, .null?: return fallback
        case let number?:
            guard let double = number.doubleValue else { throw .invalidParams("'\(key)' must be a number") }
            guard range.contains(double) else { throw .invalidParams("'\(key)' must be between \(range.lowerBound) and \(range.upperBound)") }
            return double
        }
    }

    func bool(_ key: String, default fallback: Bool) throws(JSONRPCError) -> Bool {
        switch value[key] {
        case nil, .null?: return fallback
        case .bool(let flag)?: return flag
        default: throw .invalidParams("'\(key)' must be a boolean")
        }
    }

    /// A value used as a seed or id: strings and numbers are both accepted, as their text.
    func token(_ key: String, default fallback: String) throws(JSONRPCError) -> String {
        switch value[key] {
        case nil, .null?: return fallback
        case .string(let text)?: return text
        case .number(let text)?: return text
        default: throw .invalidParams("'\(key)' must be a string or a number")
        }
    }
}

/// JSON Schema helpers for the fixture tools' input schemas.
enum Schema {
    static func object(_ properties: [(String, JSONValue)], required: [String] = []) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "object"), ("properties", .object(properties))]
        if !required.isEmpty { members.append(("required", .array(required.map { .string($0) }))) }
        return .object(members)
    }

    static func string(_ description: String) -> JSONValue { ["type": "string", "description": .string(description)] }
    static func integer(_ description: String, minimum: Int, maximum: Int?) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "integer"), ("description", .string(description)), ("minimum", .int(minimum))]
        if let maximum { members.append(("maximum", .int(maximum))) }
        return .object(members)
    }
    static func boolean(_ description: String) -> JSONValue { ["type": "boolean", "description": .string(description)] }
}
