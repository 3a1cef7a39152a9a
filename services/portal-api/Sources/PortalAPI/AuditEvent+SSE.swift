import MCPCore
import SharedProto

extension AuditEvent {
    /// The event as `/audit/stream` sends it: one SSE frame, `event: audit`.
    var sseFrame: String {
        "id: \(id.uuidString.lowercased())\nevent: audit\ndata: \(portalJSON.jsonString)\n\n"
    }

    /// An event in the shape of `/audit/events` (parameters as JSON, not as text).
    var portalJSON: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        func int(_ value: Int?) -> JSONValue { value.map { .number(String($0)) } ?? .null }
        return [
            "id": .string(id.uuidString.lowercased()),
            "timestamp": .string(WireCoding.formatDate(timestamp)),
            "duration_ms": .number(String(durationMs)),
            "request_id": text(requestID),
            "session_id": text(sessionID),
            "user_subject": text(userSubject),
            "user_email": text(userEmail),
            "auth_type": text(authType),
            "api_key_name": text(apiKeyName),
            "tool_name": .string(toolName),
            "tool_group": text(toolGroup),
            "parameters": parameters.flatMap { try? JSONParser.parse($0) } ?? .null,
            "success": .bool(success),
            "error_message": text(errorMessage),
            "error_category": text(errorCategory),
            "request_chars": int(requestChars),
            "response_chars": int(responseChars),
            "content_blocks": int(contentBlocks),
            "transport": .string(transport),
            "source": .string(source),
            "remote_addr": text(remoteAddr),
            "user_agent": text(userAgent),
            "trace_id": text(traceID),
        ]
    }
}
