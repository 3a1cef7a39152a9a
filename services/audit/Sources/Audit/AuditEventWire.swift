import Foundation
import MCPCore
import SharedProto

/// The audit stream's JSON (field `e`, written by the gateway with `WireCoding`) read and the
/// live-tail announcements written without Foundation's `JSONDecoder`/`JSONEncoder`. Both are
/// per event on the consumer's path, where the profile showed Codable's containers and the
/// date formatter as most of the audit service's CPU; MCPCore's byte parser is linear and
/// bounded (depth, UTF-8, duplicate keys). The result is the `AuditEvent` the Codable
/// conformance would give: the same keys, required and optional fields, and date forms.
enum AuditEventWire {
    struct DecodeError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func decode(_ bytes: [UInt8]) throws(DecodeError) -> AuditEvent {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw DecodeError(message: "invalid JSON: \(error)")
        }
        var event = try Fields(value, "event")
        let payload: AuditPayload?
        if let raw = event.member("payload"), raw != .null {
            var fields = try Fields(raw, "payload")
            payload = AuditPayload(
                jsonrpcMethod: try fields.string("jsonrpc_method"), requestParams: try fields.string("request_params"),
                requestSizeBytes: try fields.int("request_size_bytes"), requestTruncated: try fields.required("request_truncated", fields.bool),
                requestHeaders: try fields.string("request_headers"), requestRemoteAddr: try fields.string("request_remote_addr"),
                responseResult: try fields.string("response_result"), responseError: try fields.string("response_error"),
                responseSizeBytes: try fields.int("response_size_bytes"), responseTruncated: try fields.required("response_truncated", fields.bool),
                notifications: try fields.string("notifications"), notificationsTruncated: try fields.required("notifications_truncated", fields.bool),
                replayedFrom: try fields.uuid("replayed_from")
            )
        } else {
            payload = nil
        }
        return AuditEvent(
            id: try event.required("id", event.uuid), timestamp: try event.required("timestamp", event.date),
            durationMs: Int64(try event.required("duration_ms", event.int)), requestID: try event.string("request_id"),
            sessionID: try event.string("session_id"), userSubject: try event.string("user_subject"), userEmail: try event.string("user_email"),
            authType: try event.string("auth_type"), apiKeyName: try event.string("api_key_name"), toolName: try event.required("tool_name", event.string),
            toolGroup: try event.string("tool_group"), parameters: try event.string("parameters"), success: try event.required("success", event.bool),
            errorMessage: try event.string("error_message"), errorCategory: try event.string("error_category"),
            requestChars: try event.int("request_chars"), responseChars: try event.int("response_chars"), contentBlocks: try event.int("content_blocks"),
            transport: try event.required("transport", event.string), source: try event.required("source", event.string),
            remoteAddr: try event.string("remote_addr"), userAgent: try event.string("user_agent"), traceID: try event.string("trace_id"),
            payload: payload
        )
    }

    /// The members of one JSON object, each read as a typed optional (missing or `null`: nil).
    private struct Fields {
        private var members: [String: JSONValue] = [:]
        private let what: String

        init(_ value: JSONValue, _ what: String) throws(DecodeError) {
            guard let object = value.objectValue else { throw DecodeError(message: "the \(what) is not a JSON object") }
            self.what = what
            members.reserveCapacity(object.count)
            for (key, value) in object { members[key] = value }
        }

        func member(_ key: String) -> JSONValue? { members[key] }

        private func present(_ key: String) -> JSONValue? {
            guard let value = members[key], value != .null else { return nil }
            return value
        }

        private func mismatch(_ key: String, _ type: String) -> DecodeError {
            DecodeError(message: "\(what).\(key) is not \(type)")
        }

        func required<T>(_ key: String, _ read: (String) throws(DecodeError) -> T?) throws(DecodeError) -> T {
            guard let value = try read(key) else { throw DecodeError(message: "\(what).\(key) is missing") }
            return value
        }

        func string(_ key: String) throws(DecodeError) -> String? {
            guard let value = present(key) else { return nil }
            guard case .string(let text) = value else { throw mismatch(key, "a string") }
            return text
        }

        func int(_ key: String) throws(DecodeError) -> Int? {
            guard let value = present(key) else { return nil }
            guard let number = value.intValue else { throw mismatch(key, "an integer") }
            return number
        }

        func bool(_ key: String) throws(DecodeError) -> Bool? {
            guard let value = present(key) else { return nil }
            guard let flag = value.boolValue else { throw mismatch(key, "a boolean") }
            return flag
        }

        func uuid(_ key: String) throws(DecodeError) -> UUID? {
            guard let text = try string(key) else { return nil }
            guard let id = UUID(uuidString: text) else { throw mismatch(key, "a UUID") }
            return id
        }

        func date(_ key: String) throws(DecodeError) -> Date? {
            guard let text = try string(key) else { return nil }
            guard let date = WireCoding.parseDate(text) else { throw mismatch(key, "an RFC 3339 date") }
            return date
        }
    }
}
