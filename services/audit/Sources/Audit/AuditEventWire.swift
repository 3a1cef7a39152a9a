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
        let event = try Fields(value, "event")
        let payload: AuditPayload?
        if let raw = event.member("payload"), raw != .null {
            let fields = try Fields(raw, "payload")
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

    /// The live-tail announcement of `events`: a JSON array of the events without their
    /// payloads, as `WireCoding`'s encoder would write them (absent optionals left out).
    /// Written as bytes: building a `String` scalar by scalar was 5 % of the pipeline's CPU.
    static func summaries(_ events: [AuditEvent]) -> [UInt8] {
        var object = ObjectWriter(capacity: events.count * 400)
        for event in events {
            object.begin()
            object.string("id", event.id.uuidString)
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

    /// Writes a JSON array of objects; keys are ours, values escaped as JSON strings
    /// (`JSONBText.appendEscaped`: quotes, backslashes and control bytes escaped, the rest as is).
    private struct ObjectWriter {
        private var output: [UInt8] = [UInt8(ascii: "[")]
        private var first = true

        init(capacity: Int) {
            output.reserveCapacity(capacity)
        }

        /// Starts the next object.
        mutating func begin() {
            if output.count > 1 { output.append(UInt8(ascii: ",")) }
            output.append(UInt8(ascii: "{"))
            first = true
        }

        mutating func end() {
            output.append(UInt8(ascii: "}"))
        }

        mutating func member(_ key: StaticString, _ literal: String) {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            output.append(UInt8(ascii: "\""))
            output.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            output.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
            output.append(contentsOf: literal.utf8)
        }

        mutating func string(_ key: StaticString, _ value: String?) {
            guard var value else { return }
            member(key, "")
            value.withUTF8 { JSONBText.appendEscaped($0, to: &output) }
        }

        mutating func number(_ key: StaticString, _ value: (some BinaryInteger)?) {
            guard let value else { return }
            member(key, String(value))
        }

        consuming func finish() -> [UInt8] {
            output.append(UInt8(ascii: "]"))
            return output
        }
    }

    /// The members of one JSON object, each read as a typed optional (missing or `null`: nil).
    ///
    /// Looked up by a scan from the end (the last of a repeated key wins): for the two dozen
    /// short keys of an event, cheaper than hashing every key into a dictionary and again for
    /// each lookup, which the profile showed.
    private struct Fields {
        private let members: [(String, JSONValue)]
        private let what: String

        init(_ value: JSONValue, _ what: String) throws(DecodeError) {
            guard case .object(let members) = value else { throw DecodeError(message: "the \(what) is not a JSON object") }
            self.what = what
            self.members = members
        }

        func member(_ key: String) -> JSONValue? {
            members.last { $0.0 == key }?.1
        }

        private func present(_ key: String) -> JSONValue? {
            guard let value = member(key), value != .null else { return nil }
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
