import Foundation
import Logging
import PostgresNIO
import SharedProto

/// How a batch reaches the audit tables: `COPY` into two session-local staging tables, then one
/// `INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING` per table. COPY is Postgres' fastest
/// way in; the staging step keeps what a plain COPY into the tables would lose: idempotence on
/// `(id, ts)` for a redelivered batch, and each new row's canonical hash for the chain.
///
/// The staging tables are temporary (`ON COMMIT DELETE ROWS`), so they need the database's
/// TEMPORARY privilege (deploy/postgres/init.sql grants it to the audit role only) and write no WAL.
enum AuditStaging {
    static let eventColumns = [
        "id", "ts", "duration_ms", "request_id", "session_id", "user_subject", "user_email", "auth_type", "api_key_name", "tool_name", "tool_group",
        "parameters", "success", "error_message", "error_category", "request_chars", "response_chars", "content_blocks", "transport", "source",
        "remote_addr", "user_agent", "trace_id",
    ]
    static let payloadColumns = [
        "event_id", "ts", "jsonrpc_method", "request_params", "request_size_bytes", "request_truncated", "request_headers", "request_remote_addr",
        "response_result", "response_error", "response_size_bytes", "response_truncated", "notifications", "notifications_truncated", "replayed_from",
    ]

    /// Empties (or creates) the staging tables of this connection and copies `events` into them.
    static func stage(_ events: [AuditEvent], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("CREATE TEMP TABLE IF NOT EXISTS audit_stage_events (LIKE audit_events) ON COMMIT DELETE ROWS", logger: logger)
        try await connection.query("CREATE TEMP TABLE IF NOT EXISTS audit_stage_payloads (LIKE audit_payloads) ON COMMIT DELETE ROWS", logger: logger)
        // A second chunk of one transaction finds the first one's rows.
        try await connection.query("DELETE FROM audit_stage_events", logger: logger)
        try await connection.query("DELETE FROM audit_stage_payloads", logger: logger)

        var eventRows = CopyTextWriter(capacity: events.count * 512)
        var payloadRows = CopyTextWriter(capacity: events.count * 1024)
        for event in events {
            try eventRows.event(event)
            if let payload = event.payload { try payloadRows.payload(payload, of: event) }
        }
        let eventBytes = eventRows.buffer
        try await connection.copyFrom(table: "audit_stage_events", columns: eventColumns, logger: logger) { writer in
            try await writer.write(eventBytes)
        }
        let payloadBytes = payloadRows.buffer
        if payloadBytes.readableBytes > 0 {
            try await connection.copyFrom(table: "audit_stage_payloads", columns: payloadColumns, logger: logger) { writer in
                try await writer.write(payloadBytes)
            }
        }
    }

    /// Moves the staged events; returns each new event's id and the hash of its canonical text.
    static var eventsInsert: PostgresQuery {
        let columns = eventColumns.joined(separator: ", ")
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO audit_events (\(columns)) SELECT \(columns) FROM audit_stage_events
                ON CONFLICT (id, ts) DO NOTHING
                RETURNING id, sha256(convert_to(audit_event_canonical(audit_events), 'UTF8'))
                """
        )
    }

    /// Moves the staged payloads of the events just stored (`ids`); returns each one's event id
    /// and the hash of its canonical text.
    static func payloadsInsert(_ ids: [UUID]) -> PostgresQuery {
        let columns = payloadColumns.joined(separator: ", ")
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(ids)
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO audit_payloads (\(columns)) SELECT \(columns) FROM audit_stage_payloads WHERE event_id = ANY($1)
                ON CONFLICT (event_id, ts) DO NOTHING
                RETURNING event_id, sha256(convert_to(audit_payload_canonical(audit_payloads), 'UTF8'))
                """,
            binds: bindings
        )
    }

    /// Copies a chain's new links (their positions are the chain's own, so nothing can conflict).
    static func copyLinks(chain: String, _ links: [(seq: Int64, event: AuditEvent, link: [UInt8])], on connection: PostgresConnection, logger: Logger) async throws {
        var rows = CopyTextWriter(capacity: links.count * 160)
        for entry in links {
            rows.text(chain)
            rows.integer(entry.seq)
            rows.uuid(entry.event.id)
            try rows.timestamp(entry.event.timestamp)
            rows.text("\\x" + ChainLink.hex(entry.link))
            rows.endRow()
        }
        let bytes = rows.buffer
        try await connection.copyFrom(table: "audit_chain_links", columns: ["chain_id", "seq", "event_id", "ts", "link"], logger: logger) { writer in
            try await writer.write(bytes)
        }
    }
}

extension CopyTextWriter {
    /// One row of `AuditStaging.eventColumns`.
    mutating func event(_ event: AuditEvent) throws(CopyTextError) {
        uuid(event.id)
        try timestamp(event.timestamp)
        integer(event.durationMs)
        text(event.requestID)
        text(event.sessionID)
        text(event.userSubject)
        text(event.userEmail)
        text(event.authType)
        text(event.apiKeyName)
        text(event.toolName)
        text(event.toolGroup)
        text(event.parameters)
        bool(event.success)
        text(event.errorMessage)
        text(event.errorCategory)
        integer(event.requestChars)
        integer(event.responseChars)
        integer(event.contentBlocks)
        text(event.transport)
        text(event.source)
        text(event.remoteAddr)
        text(event.userAgent)
        text(event.traceID)
        endRow()
    }

    /// One row of `AuditStaging.payloadColumns`.
    mutating func payload(_ payload: AuditPayload, of event: AuditEvent) throws(CopyTextError) {
        uuid(event.id)
        try timestamp(event.timestamp)
        text(payload.jsonrpcMethod)
        text(payload.requestParams)
        integer(payload.requestSizeBytes)
        bool(payload.requestTruncated)
        text(payload.requestHeaders)
        text(payload.requestRemoteAddr)
        text(payload.responseResult)
        text(payload.responseError)
        integer(payload.responseSizeBytes)
        bool(payload.responseTruncated)
        text(payload.notifications)
        bool(payload.notificationsTruncated)
        uuid(payload.replayedFrom)
        endRow()
    }
}
