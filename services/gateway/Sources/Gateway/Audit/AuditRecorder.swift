import Foundation
import MCPCore
import SharedProto
import TollgateAuth

/// Builds the audit event of each tool call and authentication failure and hands it to the
/// publisher. Everything captured is redacted (`Redactor`): arguments,
/// results, error data, notifications and headers; payloads and headers are bounded by
/// `maxPayloadBytes` (a larger part is stored as a truncated JSON string, flagged).
struct AuditRecorder: Sendable {
    let publisher: AuditPublisher?
    let redactor: Redactor
    let maxPayloadBytes: Int

    /// Whether calls are recorded at all (when not, a call's record is not even assembled).
    var isEnabled: Bool { publisher != nil }

    /// What is known about a call when it starts.
    struct Call: Sendable {
        var started = ContinuousClock.now
        var startedAt = Date()
        var toolName: String
        var toolGroup: String?
        /// `tools/call`, `resources/read` or `prompts/get`.
        var method = "tools/call"
        /// The caller's allow-list refused it: recorded as `denied`, and never replayable.
        var denied = false
        var params: JSONValue
        var identity: CallerIdentity
        var headers: [(String, String)]
        /// The client's address (`ClientAddress`: the peer, or the right-most untrusted hop).
        var remoteAddress: String?
        var sessionID: String?
        var requestID: String?
        var source = "mcp"
        var replayedFrom: UUID?
        /// The trace the call belongs to (the caller's, or one the gateway started).
        var traceID: String?
    }

    /// Records a finished call: `outcome` is the raw result, or the JSON-RPC error.
    /// Returns once the event is outside the process (`AuditPublisher.publish`).
    func toolCall(_ call: Call, outcome: Result<String, JSONRPCError>, notifications: [JSONValue]) async {
        guard let publisher else { return }
        let elapsed = ContinuousClock.now - call.started
        let redactedParams = redactor.redact(call.params)
        var success = true
        var errorMessage: String?
        var errorCategory: String?
        var contentBlocks: Int?
        var responseResult: String?
        var responseError: String?
        var responseChars = 0
        switch outcome {
        case .success(let raw):
            responseChars = raw.count
            // One parse serves the summary columns and the stored (redacted) result; the error
            // message is read from the redacted value, so a JSON text block cannot leak into it.
            if let result = try? JSONParser.parse(raw) {
                let (redacted, changed) = result.redactingTracked(redactor.names)
                contentBlocks = result["content"]?.arrayValue?.count
                if result["isError"]?.boolValue == true {
                    success = false
                    errorCategory = result["structuredContent"]?["category"]?.stringValue ?? "tool"
                    errorMessage = redacted["content"]?.arrayValue?.first?["text"]?.stringValue.map { String($0.prefix(1024)) }
                }
                responseResult = changed ? redacted.jsonString : raw
            } else {
                responseResult = JSONValue.string(raw).jsonString
            }
        case .failure(let error):
            success = false
            errorMessage = String(error.message.prefix(1024))
            errorCategory = call.denied ? "denied" : error.data?["category"]?.stringValue ?? Self.category(of: error.code)
            var redactedError = error
            redactedError.data = error.data.map(redactor.redact)
            responseError = redactedError.json
            responseChars = error.json.count
        }
        // request_params holds the tool's arguments: seed 002's `param.<path>` filters address them.
        let arguments = redactedParams["arguments"] ?? .object([])
        let paramsText = arguments.jsonString
        let (request, requestTruncated) = bounded(paramsText)
        let (response, responseTruncated) = bounded(responseResult ?? "")
        let (errorPart, _) = bounded(responseError ?? "")
        let (notificationsText, notificationsTruncated) = bounded(redactor.redact(.array(notifications)).jsonString)
        let event = AuditEvent(
            timestamp: call.startedAt,
            durationMs: Int64(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000),
            requestID: call.requestID,
            sessionID: call.sessionID,
            userSubject: call.identity.subject,
            userEmail: call.identity.email,
            authType: call.identity.authType.rawValue,
            apiKeyName: call.identity.apiKeyName,
            toolName: call.toolName,
            toolGroup: call.toolGroup,
            parameters: paramsText,
            success: success,
            errorMessage: errorMessage,
            errorCategory: errorCategory,
            requestChars: paramsText.count,
            responseChars: responseChars,
            contentBlocks: contentBlocks,
            source: call.source,
            remoteAddr: call.remoteAddress,
            userAgent: Self.userAgent(call.headers),
            traceID: call.traceID ?? Self.traceID(call.headers),
            payload: AuditPayload(
                jsonrpcMethod: call.method,
                requestParams: request,
                requestSizeBytes: paramsText.utf8.count,
                requestTruncated: requestTruncated,
                requestHeaders: redactor.headers(call.headers, budget: maxPayloadBytes).jsonString,
                requestRemoteAddr: call.remoteAddress,
                responseResult: responseResult == nil ? nil : response,
                responseError: responseError == nil ? nil : errorPart,
                responseSizeBytes: responseChars,
                responseTruncated: responseTruncated,
                notifications: notifications.isEmpty ? nil : notificationsText,
                notificationsTruncated: notificationsTruncated,
                replayedFrom: call.replayedFrom
            )
        )
        await publisher.publish(event)
    }

    /// Records a pinning event: a tool definition that differs from its pin (`catalog/review`,
    /// no operator) or an operator's decision on it (`catalog/approve`, `catalog/reject`).
    func catalogReview(_ review: ToolPinStore.Review, action: String, operatorName: String?) async {
        guard let publisher else { return }
        let details: JSONValue = [
            "review_id": .int(Int(review.id)), "upstream": .string(review.upstream), "tool": .string(review.tool), "change": .string(review.change),
            "mode": .string(review.mode), "state": .string(review.state), "old_hash": review.oldHash.map { .string($0) } ?? .null,
            "new_hash": .string(review.newHash),
        ]
        let text = details.jsonString
        await publisher.publish(
            AuditEvent(
                timestamp: Date(), durationMs: 0, userSubject: operatorName, toolName: review.exposedName, toolGroup: review.upstream, parameters: text,
                success: true, requestChars: text.count, responseChars: 0, source: "catalog",
                payload: AuditPayload(jsonrpcMethod: action, requestParams: text, requestSizeBytes: text.utf8.count)
            )
        )
    }

    /// Records a refused credential (no tool ran).
    func authenticationFailure(reason: String, headers: [(String, String)], remoteAddress: String?, requestID: String?) {
        guard let publisher else { return }
        publisher.publishWithoutWaiting(
            AuditEvent(
                timestamp: Date(), durationMs: 0, requestID: requestID.map { String($0.prefix(128)) }, toolName: "(authentication)", success: false,
                errorMessage: reason, errorCategory: "auth", remoteAddr: remoteAddress,
                userAgent: Self.userAgent(headers), traceID: Self.traceID(headers),
                payload: AuditPayload(jsonrpcMethod: nil, requestHeaders: redactor.headers(headers, budget: maxPayloadBytes).jsonString, requestRemoteAddr: remoteAddress)
            )
        )
    }

    /// The `User-Agent`, bounded (it is stored in an indexed column).
    static func userAgent(_ headers: [(String, String)]) -> String? {
        headers.first { $0.0 == "user-agent" }.map { String(decoding: $0.1.utf8.prefix(512), as: UTF8.self) }
    }

    /// A JSON text no longer than the limit: as is, or as a JSON string of its prefix.
    private func bounded(_ json: String) -> (String, Bool) {
        guard json.utf8.count > maxPayloadBytes else { return (json, false) }
        return (JSONValue.string(String(decoding: json.utf8.prefix(maxPayloadBytes), as: UTF8.self)).jsonString, true)
    }

    static func category(of code: Int) -> String {
        switch code {
        case -32602: "invalid_params"
        case -32601: "method_not_found"
        case -32000: "upstream_unavailable"
        case -32001: "timeout"
        case -32003: "auth"
        case -32800: "cancelled"
        default: "protocol"
        }
    }

    /// The W3C trace id of `traceparent`, or a new one.
    static func traceID(_ headers: [(String, String)]) -> String {
        (TraceContext.parse(headers.first(where: { $0.0 == "traceparent" })?.1) ?? .start()).traceID
    }
}
