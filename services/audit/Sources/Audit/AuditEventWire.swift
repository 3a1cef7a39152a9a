import Foundation
import MCPCore
import SharedProto

/// The audit stream's JSON (field `e`, written by the gateway with `WireCoding`) read and the
/// live-tail announcements written without Foundation's `JSONDecoder`/`JSONEncoder`. Both are
/// per event on the consumer's path, where the profile showed Codable's containers and the
/// date formatter as most of the audit service's CPU. Events are read with `JSONPullReader`
/// (linear, bounded, no tree of values in between). The result is the `AuditEvent` the Codable
/// conformance would give: the same keys, required and optional fields, and date forms.
enum AuditEventWire {
    struct DecodeError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func decode(_ bytes: [UInt8]) throws(DecodeError) -> AuditEvent {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var reader = JSONPullReader(buffer)
                let event = try event(&reader)
                try reader.finish()
                return event
            }
        } catch let error as DecodeError {
            throw error
        } catch {
            throw DecodeError(message: "invalid JSON: \(error)")
        }
    }

    /// The event's members read straight into its fields (the last of a repeated key wins,
    /// unknown keys are skipped, `null` is an absent optional).
    private static func event(_ reader: inout JSONPullReader) throws -> AuditEvent {
        let fields = Fields("event")
        var id: UUID?, timestamp: Date?, durationMs: Int?, toolName: String?, success: Bool?, transport: String?, source: String?
        // A fixed placeholder id: `UUID()` would read /dev/urandom for a value always replaced.
        var event = AuditEvent(id: UUID(uuid: uuid_t(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), timestamp: Date(), durationMs: 0, toolName: "", success: false)
        try fields.object(&reader) { key, reader in
            switch key {
            case "id": id = try fields.uuid(key, &reader)
            case "timestamp": timestamp = try fields.date(key, &reader)
            case "duration_ms": durationMs = try fields.int(key, &reader)
            case "request_id": event.requestID = try fields.string(key, &reader)
            case "session_id": event.sessionID = try fields.string(key, &reader)
            case "user_subject": event.userSubject = try fields.string(key, &reader)
            case "user_email": event.userEmail = try fields.string(key, &reader)
            case "auth_type": event.authType = try fields.string(key, &reader)
            case "api_key_name": event.apiKeyName = try fields.string(key, &reader)
            case "tool_name": toolName = try fields.string(key, &reader)
            case "tool_group": event.toolGroup = try fields.string(key, &reader)
            case "parameters": event.parameters = try fields.string(key, &reader)
            case "success": success = try fields.bool(key, &reader)
            case "error_message": event.errorMessage = try fields.string(key, &reader)
            case "error_category": event.errorCategory = try fields.string(key, &reader)
            case "request_chars": event.requestChars = try fields.int(key, &reader)
            case "response_chars": event.responseChars = try fields.int(key, &reader)
            case "content_blocks": event.contentBlocks = try fields.int(key, &reader)
            case "transport": transport = try fields.string(key, &reader)
            case "source": source = try fields.string(key, &reader)
            case "remote_addr": event.remoteAddr = try fields.string(key, &reader)
            case "user_agent": event.userAgent = try fields.string(key, &reader)
            case "trace_id": event.traceID = try fields.string(key, &reader)
            case "payload": event.payload = try reader.null() ? nil : try payload(&reader)
            default: try reader.skipValue()
            }
        }
        event.id = try fields.required("id", id)
        event.timestamp = try fields.required("timestamp", timestamp)
        event.durationMs = Int64(try fields.required("duration_ms", durationMs))
        event.toolName = try fields.required("tool_name", toolName)
        event.success = try fields.required("success", success)
        event.transport = try fields.required("transport", transport)
        event.source = try fields.required("source", source)
        return event
    }

    private static func payload(_ reader: inout JSONPullReader) throws -> AuditPayload {
        let fields = Fields("payload")
        var requestTruncated: Bool?, responseTruncated: Bool?, notificationsTruncated: Bool?
        var payload = AuditPayload(jsonrpcMethod: nil)
        try fields.object(&reader) { key, reader in
            switch key {
            case "jsonrpc_method": payload.jsonrpcMethod = try fields.string(key, &reader)
            case "request_params": payload.requestParams = try fields.string(key, &reader)
            case "request_size_bytes": payload.requestSizeBytes = try fields.int(key, &reader)
            case "request_truncated": requestTruncated = try fields.bool(key, &reader)
            case "request_headers": payload.requestHeaders = try fields.string(key, &reader)
            case "request_remote_addr": payload.requestRemoteAddr = try fields.string(key, &reader)
            case "response_result": payload.responseResult = try fields.string(key, &reader)
            case "response_error": payload.responseError = try fields.string(key, &reader)
            case "response_size_bytes": payload.responseSizeBytes = try fields.int(key, &reader)
            case "response_truncated": responseTruncated = try fields.bool(key, &reader)
            case "notifications": payload.notifications = try fields.string(key, &reader)
            case "notifications_truncated": notificationsTruncated = try fields.bool(key, &reader)
            case "replayed_from": payload.replayedFrom = try fields.uuid(key, &reader)
            default: try reader.skipValue()
            }
        }
        payload.requestTruncated = try fields.required("request_truncated", requestTruncated)
        payload.responseTruncated = try fields.required("response_truncated", responseTruncated)
        payload.notificationsTruncated = try fields.required("notifications_truncated", notificationsTruncated)
        return payload
    }

    /// The live-tail announcement of `events`: a JSON array of the events without their
    /// payloads, as `WireCoding`'s encoder would write them (absent optionals left out).
    /// Written as bytes: building a `String` scalar by scalar was 5 % of the pipeline's CPU.
    static func summaries(_ events: [AuditEvent]) -> [UInt8] {
        var object = JSONObjectsWriter(capacity: events.count * 400)
        for event in events {
            object.begin()
            object.uuid("id", event.id)
            object.string("timestamp", WireCoding.formatDate(event.timestamp))
            object.number("duration_ms", event.durationMs)
            object.string("request_id", event.requestID)
            object.string("session_id", event.sessionID)
            object.string("user_subject", event.userSubject)
            object.string("user_email", event.userEmail)
            object.string("auth_type", event.authType)
            object.string("api_key_name", event.apiKeyName)
            object.string("tool_name", event.toolName)
            object.string("tool_group", event.toolGroup)
            object.string("parameters", event.parameters)
            object.member("success", event.success ? "true" : "false")
            object.string("error_message", event.errorMessage)
            object.string("error_category", event.errorCategory)
            object.number("request_chars", event.requestChars)
            object.number("response_chars", event.responseChars)
            object.number("content_blocks", event.contentBlocks)
            object.string("transport", event.transport)
            object.string("source", event.source)
            object.string("remote_addr", event.remoteAddr)
            object.string("user_agent", event.userAgent)
            object.string("trace_id", event.traceID)
            object.end()
        }
        return object.finish()
    }

    /// Reads the members of one JSON object (the event or its payload) as typed optionals,
    /// naming the member in every error.
    private struct Fields {
        let what: String

        init(_ what: String) {
            self.what = what
        }

        func object(_ reader: inout JSONPullReader, _ member: (String, inout JSONPullReader) throws -> Void) throws {
            do {
                try reader.beginObject()
            } catch is JSONPullReader.Mismatch {
                throw DecodeError(message: "the \(what) is not a JSON object")
            }
            while let key = try reader.nextKey() { try member(key, &reader) }
        }

        func required<T>(_ key: String, _ value: T?) throws(DecodeError) -> T {
            guard let value else { throw DecodeError(message: "\(what).\(key) is missing") }
            return value
        }

        private func typed<T>(_ key: String, _ type: String, _ read: () throws -> T?) throws -> T? {
            do {
                return try read()
            } catch is JSONPullReader.Mismatch {
                throw DecodeError(message: "\(what).\(key) is not \(type)")
            }
        }

        func string(_ key: String, _ reader: inout JSONPullReader) throws -> String? {
            try typed(key, "a string") { try reader.string() }
        }

        func bool(_ key: String, _ reader: inout JSONPullReader) throws -> Bool? {
            try typed(key, "a boolean") { try reader.bool() }
        }

        /// Integers as `JSONValue.intValue` reads them (`5.0` is 5; `1.5` and `1e400` are not integers).
        func int(_ key: String, _ reader: inout JSONPullReader) throws -> Int? {
            guard let text = try typed(key, "an integer", { try reader.number() }) else { return nil }
            guard let number = JSONValue.number(text).intValue else { throw DecodeError(message: "\(what).\(key) is not an integer") }
            return number
        }

        func uuid(_ key: String, _ reader: inout JSONPullReader) throws -> UUID? {
            guard let text = try string(key, &reader) else { return nil }
            guard let id = ASCIIText.uuid(text) else { throw DecodeError(message: "\(what).\(key) is not a UUID") }
            return id
        }

        func date(_ key: String, _ reader: inout JSONPullReader) throws -> Date? {
            guard let text = try string(key, &reader) else { return nil }
            guard let date = WireCoding.parseDate(text) else { throw DecodeError(message: "\(what).\(key) is not an RFC 3339 date") }
            return date
        }
    }
}
