import Foundation
import Hummingbird
import MCPCore
import SharedProto
import TollgateAuth
import TollgateCore

/// `POST /internal/v1/invoke/{tool}` (internal token): runs a tool for portal-api's try-it and
/// replay, as the operator the portal authenticated. Body:
/// `{"arguments": {...}, "identity": {"subject", "email", "name", "auth_type", "api_key_name",
/// "allowed_tools"}, "source": "portal-tryit" | "portal-replay", "replayed_from": "<event id>"}`.
/// Answers the tool's CallToolResult; 404 for an unknown (or not allowed) tool, 400 for a
/// malformed body, 422 for arguments the tool refuses, 502 when the tool answers with another
/// protocol error.
struct InvokeController: Sendable {
    let dispatcher: MCPDispatcher
    let audit: AuditRecorder
    let internalToken: String
    let maxBodyBytes: Int

    static let sources: Set<String> = ["portal-tryit", "portal-replay"]

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.group(RouterPath(InternalAPI.Gateway.invoke))
            .add(middleware: InternalTokenMiddleware(token: internalToken))
            .post("{tool}") { request, context in try await invoke(request, context: context) }
    }

    private func invoke(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let tool = try context.parameters.require("tool")
        var request = request
        let body = try await request.collectBody(upTo: maxBodyBytes)
        let bytes = Array(buffer: body)
        let members: [(key: String, raw: ArraySlice<UInt8>)]
        do {
            members = try JSONParser.rawMembers(of: bytes)
        } catch {
            throw RequestBodyError.invalid("invalid JSON body: \(error)")
        }
        func value(_ key: String) -> JSONValue? { members.last { $0.key == key }.flatMap { try? JSONParser.parse(Array($0.raw)) } }
        let rawArguments = members.last { $0.key == "arguments" }.map { String(decoding: $0.raw, as: UTF8.self) } ?? "{}"
        guard case .object? = value("arguments") ?? .object([]) else { throw RequestBodyError.invalid("arguments must be an object") }
        let source = value("source")?.stringValue ?? "portal-tryit"
        guard Self.sources.contains(source) else { throw RequestBodyError.invalid("source must be portal-tryit or portal-replay") }
        guard let identityValue = value("identity"), let subject = identityValue["subject"]?.stringValue, !subject.isEmpty else {
            throw RequestBodyError.invalid("identity.subject is required")
        }
        let identity = CallerIdentity(
            subject: subject,
            email: identityValue["email"]?.stringValue,
            name: identityValue["name"]?.stringValue,
            authType: identityValue["auth_type"]?.stringValue.flatMap(CallerIdentity.AuthType.init(rawValue:)) ?? .apikey,
            apiKeyName: identityValue["api_key_name"]?.stringValue,
            scopes: identityValue["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            allowedTools: identityValue["allowed_tools"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            claims: identityValue["claims"] ?? .object([])
        )

        let params = #"{"name":\#(JSONValue.string(tool).jsonString),"arguments":\#(rawArguments)}"#
        let message = JSONRPCMessage(
            kind: .request(.number("1")), method: "tools/call",
            params: (try? JSONParser.parse(params)) ?? .object([]), rawParams: Array(params.utf8)[...]
        )
        let headers = request.headers.map { ($0.name.canonicalName, $0.value) }
        let replayedFrom = value("replayed_from")?.stringValue.flatMap(UUID.init(uuidString:))
        let trace = TraceContext.incoming(headers: request.headers, meta: nil) ?? .start()
        let call = AuditRecorder.Call(
            toolName: tool, toolGroup: dispatcher.group(of: tool), denied: !identity.mayCall(tool), params: (try? JSONParser.parse(params)) ?? .object([]),
            identity: identity, headers: headers, requestID: context.id,
            source: source, replayedFrom: replayedFrom, traceID: trace.traceID
        )
        let outcome: Result<String, JSONRPCError>
        do {
            outcome = .success(try await dispatcher.dispatch(message, era: .handshake(session: nil), context: ToolCallContext(identity: identity, headers: request.headers, progress: nil, trace: trace)))
        } catch {
            outcome = .failure(error)
        }
        // The answer goes out only once its audit event is outside the process.
        await audit.toolCall(call, outcome: outcome, notifications: [])
        switch outcome {
        case .success(let result):
            return Response.json(result)
        case .failure(let error):
            if error.reason == .unknownTool {
                throw HTTPError(.notFound, message: "unknown tool: \(tool)")
            }
            // Arguments the tool refuses are well-formed JSON that the tool's own schema rejects.
            if error.code == JSONRPCErrorCode.invalidParams { throw HTTPError(.unprocessableContent, message: error.message) }
            throw HTTPError(.badGateway, message: "tool answered with error \(error.code): \(error.message)")
        }
    }
}
