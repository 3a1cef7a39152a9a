import Foundation
import Logging
import MCPCore
import Prometheus
import TollgateAuth
import TollgateCore

/// Answers one JSON-RPC request for a caller. Transport concerns (HTTP, SSE, sessions,
/// cancellation signals) stay in `MCPEndpoint`; this is the protocol's method table.
struct MCPDispatcher: Sendable {
    let registry: ToolRegistry
    let upstreams: UpstreamCatalog
    let relay: InteractionRelay
    let serverName: String
    let serverVersion: String
    let instructions: String
    let pageSize: Int
    let listTTL: Duration
    let logger: Logger
    let toolCalls: Prometheus.Counter
    let toolCallsCancelled: Prometheus.Counter

    init(
        registry: ToolRegistry, upstreams: UpstreamCatalog, relay: InteractionRelay, serverName: String, serverVersion: String, instructions: String, pageSize: Int, listTTL: Duration = .zero, logger: Logger,
        metrics: PrometheusCollectorRegistry
    ) {
        self.registry = registry
        self.upstreams = upstreams
        self.relay = relay
        self.serverName = serverName
        self.serverVersion = serverVersion
        self.instructions = instructions
        self.pageSize = pageSize
        self.listTTL = listTTL
        self.logger = logger
        self.toolCalls = metrics.counter("tollgate_gateway_tool_calls_total", help: "tools/call requests dispatched.")
        self.toolCallsCancelled = metrics.counter("tollgate_gateway_tool_calls_cancelled_total", help: "tools/call requests cancelled by the client.")
    }

    var serverInfo: JSONValue { ["name": .string(serverName), "version": .string(serverVersion)] }

    var capabilities: JSONValue {
        ["tools": ["listChanged": true], "resources": ["listChanged": false, "subscribe": false], "prompts": ["listChanged": false]]
    }

    /// The audit trail's tool group: the fixture group, or the upstream's name.
    func group(of tool: String) -> String? {
        registry.tool(named: tool)?.definition.group ?? upstreams.tool(named: tool)?.0.upstream
    }

    /// Methods that are audited like tool calls, with the param that names what they use.
    static let auditedMethods = ["tools/call": "name", "resources/read": "uri", "prompts/get": "name"]

    /// Whether `identity` may use what a request names (a tool, a resource, a prompt).
    static func isAllowed(method: String, name: String, for identity: CallerIdentity) -> Bool {
        switch method {
        case "resources/read": identity.mayRead(resource: name)
        case "prompts/get": identity.mayUsePrompt(name)
        default: identity.mayCall(name)
        }
    }

    /// Whether a call to `tool` should be answered as a stream that notices the client leaving.
    func isLongRunning(_ tool: String) -> Bool {
        ToolRegistry.longRunning.contains(tool) || upstreams.tool(named: tool) != nil
    }

    /// The result of a request as JSON text, or a JSON-RPC error.
    func dispatch(_ message: JSONRPCMessage, era: ProtocolEra, context: ToolCallContext) async throws(JSONRPCError) -> String {
        let result: JSONValue
        switch message.method {
        case "initialize":
            guard !era.isModern else { throw .invalidRequest("initialize is not part of protocol 2026-07-28; call server/discover") }
            result = initializeResult(requested: message.params["protocolVersion"]?.stringValue)
        case "server/discover":
            result = [
                "supportedVersions": .array(ProtocolVersion.all.map { .string($0) }),
                "capabilities": capabilities,
                "instructions": .string(instructions),
                "serverInfo": serverInfo,
            ]
        case "ping":
            result = .object([])
        case "tools/list":
            let upstreamTools = upstreams.tools.filter { ToolGlob.allows(context.identity.allowedTools, $0.exposedName) }.map(\.definition)
            result = try page(registry.visible(to: context.identity).map(\.json) + upstreamTools, key: "tools", cursor: message.params["cursor"])
        case "tools/call":
            return try await callTool(message, era: era, context: context)
        // Allow-lists cover resources (by URI) and prompts (by name) too; what a caller may not
        // use is answered exactly like what does not exist.
        case "resources/list":
            let visible = upstreams.resources.filter { $0["uri"]?.stringValue.map(context.identity.mayRead(resource:)) ?? false }
            result = try page(visible, key: "resources", cursor: message.params["cursor"])
        case "resources/templates/list":
            let visible = upstreams.resourceTemplates.filter { $0["uriTemplate"]?.stringValue.map(context.identity.mayRead(resource:)) ?? false }
            result = try page(visible, key: "resourceTemplates", cursor: message.params["cursor"])
        case "resources/read":
            guard let uri = message.params["uri"]?.stringValue, !uri.isEmpty else { throw .invalidParams("resources/read needs a uri") }
            guard context.identity.mayRead(resource: uri), let raw = try await upstreams.readResource(uri: uri, trace: context.upstreamTrace) else {
                throw JSONRPCError(code: -32002, message: "resource not found: \(uri)", data: ["uri": .string(uri)])
            }
            return era.isModern ? Self.markComplete(raw) : raw
        case "prompts/list":
            let visible = upstreams.prompts.filter { $0["name"]?.stringValue.map(context.identity.mayUsePrompt) ?? false }
            result = try page(visible, key: "prompts", cursor: message.params["cursor"])
        case "prompts/get":
            guard let name = message.params["name"]?.stringValue, !name.isEmpty else { throw .invalidParams("prompts/get needs a prompt name") }
            guard context.identity.mayUsePrompt(name) else { throw .unknownPrompt(name) }
            let rawArguments = Self.rawMember("arguments", of: message)
            guard let raw = try await upstreams.getPrompt(named: name, rawArguments: rawArguments, trace: context.upstreamTrace) else {
                throw .unknownPrompt(name)
            }
            return era.isModern ? Self.markComplete(raw) : raw
        case "logging/setLevel":
            result = .object([])
        default:
            throw .methodNotFound(message.method)
        }
        return decorate(result, method: message.method, era: era).jsonString
    }

    /// The initialize result for a requested version (the gateway answers with its own when it
    /// does not speak the requested one).
    func initialize(requested: String?) -> JSONValue {
        initializeResult(requested: requested)
    }

    private func initializeResult(requested: String?) -> JSONValue {
        let version = requested.flatMap { ProtocolVersion.handshake.contains($0) ? $0 : nil } ?? ProtocolVersion.latestHandshake
        return [
            "protocolVersion": .string(version),
            "capabilities": capabilities,
            "serverInfo": serverInfo,
            "instructions": .string(instructions),
        ]
    }

    /// 2026-07-28 results carry `resultType`; list and discover results also carry caching
    /// hints and the server's info in `_meta`. The scope is private: what a caller sees depends
    /// on its allow-list. The lifetime is `listTTL`, cut for lists to the time until the next
    /// upstream refresh, when the federated part may change (clients that must hear of a change
    /// sooner listen with `subscriptions/listen`).
    private func decorate(_ result: JSONValue, method: String, era: ProtocolEra) -> JSONValue {
        guard era.isModern, case .object(var members) = result else { return result }
        members.removeAll { $0.0 == "resultType" }
        members.append(("resultType", "complete"))
        if method == "server/discover" || method.hasSuffix("/list") {
            members.append(("ttlMs", .int(ttlMilliseconds(method: method))))
            members.append(("cacheScope", "private"))
        }
        if method == "server/discover" {
            members.removeAll { $0.0 == "serverInfo" }
            members.append(("_meta", .object([(ProtocolVersion.metaServerInfoKey, serverInfo)])))
        }
        return .object(members)
    }

    func ttlMilliseconds(method: String) -> Int {
        var ttl = listTTL
        if method.hasSuffix("/list"), let untilRefresh = upstreams.timeUntilRefresh { ttl = min(ttl, untilRefresh) }
        return Int(ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Cursor pagination: the cursor is an opaque offset.
    private func page(_ items: [JSONValue], key: String, cursor: JSONValue?) throws(JSONRPCError) -> JSONValue {
        var offset = 0
        if let cursor, cursor != .null {
            guard let text = cursor.stringValue, let decoded = Self.decodeCursor(text), decoded <= items.count else {
                throw .invalidParams("invalid cursor")
            }
            offset = decoded
        }
        let end = min(items.count, offset + pageSize)
        var members: [(String, JSONValue)] = [(key, .array(Array(items[offset..<end])))]
        if end < items.count { members.append(("nextCursor", .string(Self.encodeCursor(end)))) }
        return .object(members)
    }

    /// A member of the request's params exactly as the client sent it.
    static func rawMember(_ key: String, of message: JSONRPCMessage) -> String? {
        message.rawParams
            .flatMap { try? JSONParser.rawMembers(of: Array($0)) }?
            .last { $0.key == key }
            .map { String(decoding: $0.raw, as: UTF8.self) }
    }

    /// Adds `"resultType":"complete"` to an upstream's raw result without re-encoding the rest.
    static func markComplete(_ raw: String) -> String {
        let bytes = Array(raw.utf8)
        guard let members = try? JSONParser.rawMembers(of: bytes) else { return raw }
        if members.contains(where: { $0.key == "resultType" }) { return raw }
        guard let brace = bytes.firstIndex(of: UInt8(ascii: "{")) else { return raw }
        let insertion = members.isEmpty ? #""resultType":"complete""# : #""resultType":"complete","#
        return String(decoding: bytes[...brace], as: UTF8.self) + insertion + String(decoding: bytes[(brace + 1)...], as: UTF8.self)
    }

    static func encodeCursor(_ offset: Int) -> String { Data("o:\(offset)".utf8).base64EncodedString() }

    static func decodeCursor(_ text: String) -> Int? {
        guard let data = Data(base64Encoded: text), let plain = String(data: data, encoding: .utf8), plain.hasPrefix("o:") else { return nil }
        return Int(plain.dropFirst(2)).flatMap { $0 >= 0 ? $0 : nil }
    }

    private func callTool(_ message: JSONRPCMessage, era: ProtocolEra, context: ToolCallContext) async throws(JSONRPCError) -> String {
        let params = message.params
        guard let name = params["name"]?.stringValue, !name.isEmpty else { throw .invalidParams("tools/call needs a tool name") }
        let arguments = params["arguments"] ?? .object([])
        guard case .object = arguments else { throw .invalidParams("arguments must be an object") }
        // A tool the caller may not call is reported exactly like one that does not exist.
        guard ToolGlob.allows(context.identity.allowedTools, name) else { throw .unknownTool(name) }
        if let (tool, upstream) = upstreams.tool(named: name) {
            toolCalls.increment()
            let rawArguments = Self.rawMember("arguments", of: message)
            do {
                let raw = try await callUpstream(tool, on: upstream, rawArguments: rawArguments, context: context)
                return era.isModern ? Self.markComplete(raw) : raw
            } catch {
                if error.code == -32800 { toolCallsCancelled.increment() }
                throw error
            }
        }
        if let withheld = upstreams.withholding(for: name) {
            let reason = withheld.change == "unchecked"
                ? "its pins could not be checked yet"
                : "its definition \(withheld.change == "added" ? "is new on an upstream whose tools are pinned" : "changed since it was pinned") (review \(withheld.reviewID), \(withheld.state))"
            throw JSONRPCError(
                code: JSONRPCErrorCode.toolWithheld, message: "tool \(name) is withheld: \(reason); an operator must approve the change",
                data: ["review_id": .int(Int(withheld.reviewID)), "change": .string(withheld.change), "state": .string(withheld.state), "category": "withheld"]
            )
        }
        if let upstream = upstreams.unavailableUpstream(for: name) {
            throw JSONRPCError(code: -32000, message: "upstream \(upstream) is unavailable")
        }
        guard let tool = registry.tool(named: name) else { throw .unknownTool(name) }
        toolCalls.increment()
        do {
            return decorate(try await tool.call(arguments: arguments, context: context), method: "tools/call", era: era).jsonString
        } catch let error as JSONRPCError {
            throw error
        } catch is CancellationError {
            toolCallsCancelled.increment()
            throw JSONRPCError(code: -32800, message: "request cancelled")
        } catch {
            logger.error("tool failed", metadata: ["tool": "\(name)", "error": "\(String(reflecting: error))"])
            throw .internalError("tool \(name) failed")
        }
    }
}
