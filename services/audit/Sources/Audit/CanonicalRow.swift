import Foundation
import SharedProto

/// The canonical texts of an event and of its payload, as Postgres' `audit_event_canonical` and
/// `audit_payload_canonical` (migration 2) render the rows that `CopyTextWriter` writes, so the
/// store can hash a batch without reading it back. Both are `jsonb_build_array(...)::text`: the
/// columns in order, `", "` between them, text and uuids as JSON strings, the time as
/// `extract(epoch FROM ts)` (seconds with six decimals), jsonb columns as `JSONBText` renders
/// them. Postgres stays the reference: the verifier recomputes every hash there, and a test
/// compares both on hostile rows.
///
/// nil when a jsonb column is left to Postgres (see `JSONBText`); the store then reads that
/// row's hash back.
enum CanonicalRow {
    /// The bytes of `audit_event_canonical` for `event` as stored (`storable`).
    static func event(_ event: AuditEvent) -> [UInt8]? {
        var row = Builder()
        row.uuid(event.id)
        guard (try? row.epoch(event.timestamp)) != nil else { return nil }
        row.integer(event.durationMs)
        for text in [event.requestID, event.sessionID, event.userSubject, event.userEmail, event.authType, event.apiKeyName, event.toolName, event.toolGroup] {
            row.text(text)
        }
        guard row.json(event.parameters) else { return nil }
        row.bool(event.success)
        row.text(event.errorMessage)
        row.text(event.errorCategory)
        row.integer(event.requestChars)
        row.integer(event.responseChars)
        row.integer(event.contentBlocks)
        for text in [event.transport, event.source, event.remoteAddr, event.userAgent, event.traceID] { row.text(text) }
        return row.finished
    }

    /// The bytes of `audit_payload_canonical` for `payload` of `event` as stored.
    static func payload(_ payload: AuditPayload, of event: AuditEvent) -> [UInt8]? {
        var row = Builder()
        row.uuid(event.id)
        guard (try? row.epoch(event.timestamp)) != nil else { return nil }
        row.text(payload.jsonrpcMethod)
        guard row.json(payload.requestParams) else { return nil }
        row.integer(payload.requestSizeBytes)
        row.bool(payload.requestTruncated)
        guard row.json(payload.requestHeaders) else { return nil }
        row.text(payload.requestRemoteAddr)
        guard row.json(payload.responseResult), row.json(payload.responseError) else { return nil }
        row.integer(payload.responseSizeBytes)
        row.bool(payload.responseTruncated)
        guard row.json(payload.notifications) else { return nil }
        row.bool(payload.notificationsTruncated)
        row.uuid(payload.replayedFrom)
        return row.finished
    }

    /// A `jsonb_build_array` text under construction.
    private struct Builder {
        private var bytes: [UInt8] = [UInt8(ascii: "[")]

        init() {
            bytes.reserveCapacity(512)
        }

        var finished: [UInt8] { bytes + [UInt8(ascii: "]")] }

        private mutating func separate() {
            if bytes.count > 1 { bytes.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")]) }
        }

        private mutating func null() {
            separate()
            bytes.append(contentsOf: "null".utf8)
        }

        mutating func text(_ value: String?) {
            guard let value else { return null() }
            separate()
            JSONBText.append(string: value, to: &bytes)
        }

        /// Postgres prints a uuid in lower case, grouped 8-4-4-4-12.
        mutating func uuid(_ value: UUID?) {
            guard let value else { return null() }
            separate()
            bytes.append(UInt8(ascii: "\""))
            ASCIIText.appendUUID(value, uppercase: false, to: &bytes)
            bytes.append(UInt8(ascii: "\""))
        }

        mutating func integer(_ value: (some BinaryInteger)?) {
            guard let value else { return null() }
            separate()
            ASCIIText.appendDecimal(value, to: &bytes)
        }

        mutating func bool(_ value: Bool) {
            separate()
            bytes.append(contentsOf: (value ? "true" : "false").utf8)
        }

        /// `extract(epoch FROM ts)`: a numeric of scale 6 from the microseconds stored.
        mutating func epoch(_ date: Date) throws {
            let micros = try CopyTextWriter.unixMicroseconds(date)
            separate()
            if micros < 0 { bytes.append(UInt8(ascii: "-")) }
            let magnitude = micros.magnitude
            ASCIIText.appendDecimal(magnitude / 1_000_000, to: &bytes)
            bytes.append(UInt8(ascii: "."))
            UTCFields.digits(Int(magnitude % 1_000_000), width: 6) { bytes.append($0) }
        }

        /// false: left to Postgres.
        mutating func json(_ value: String?) -> Bool {
            guard let value else {
                null()
                return true
            }
            separate()
            return JSONBText.append(json: value, to: &bytes)
        }
    }
}
