import Foundation
import Logging
import PostgresNIO
import SharedProto

/// How a batch reaches the audit tables. Both ways copy (`COPY`, Postgres' fastest way in)
/// and then learn each new row's canonical hash, which the chain links need:
///
/// - **Direct** (every batch first): the rows are copied straight into `audit_events` and
///   `audit_payloads` (COPY inserts many rows per call, where `INSERT ... SELECT` inserts one at
///   a time); the store computes their hashes itself (`CanonicalRow`) and reads back from the
///   stored rows only those it leaves to Postgres. A batch that holds an event stored before (a
///   redelivery after a crash or a claim) fails on the primary key and rolls back whole.
/// - **Staged** (that batch again): the rows are copied into two session-local staging tables,
///   then moved with one `INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING` per table, which
///   skips what exists.
///
/// The staging tables are temporary (`ON COMMIT DELETE ROWS`), so they need the database's
/// TEMPORARY privilege (deploy/postgres/init.sql grants it to the audit role only) and write no WAL.
enum AuditCopy {
    static let eventColumns = [
        "id", "ts", "duration_ms", "request_id", "session_id", "user_subject", "user_email", "auth_type", "api_key_name", "tool_name", "tool_group",
        "parameters", "success", "error_message", "error_category", "request_chars", "response_chars", "content_blocks", "transport", "source",
        "remote_addr", "user_agent", "trace_id",
    ]
    static let payloadColumns = [
        "event_id", "ts", "jsonrpc_method", "request_params", "request_size_bytes", "request_truncated", "request_headers", "request_remote_addr",
        "response_result", "response_error", "response_size_bytes", "response_truncated", "notifications", "notifications_truncated", "replayed_from",
    ]

    /// Where `copy` writes.
    enum Target {
        case tables, staging

        var events: String { self == .tables ? "audit_events" : "audit_stage_events" }
        var payloads: String { self == .tables ? "audit_payloads" : "audit_stage_payloads" }
    }

    /// Creates this connection's staging tables if needed; `empty` also deletes the rows a
    /// previous chunk of this transaction left there (commit empties them otherwise). One
    /// statement, so one round trip.
    static func prepareStaging(empty: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        let clear = empty ? "DELETE FROM audit_stage_events; DELETE FROM audit_stage_payloads;" : ""
        try await connection.query(
            """
            DO $$ BEGIN
                CREATE TEMP TABLE IF NOT EXISTS audit_stage_events (LIKE audit_events) ON COMMIT DELETE ROWS;
                CREATE TEMP TABLE IF NOT EXISTS audit_stage_payloads (LIKE audit_payloads) ON COMMIT DELETE ROWS;
                \(unescaped: clear)
            END $$
            """,
            logger: logger
        )
    }

    /// Copies `events` and their payloads into `target`.
    static func copy(_ events: [AuditEvent], into target: Target, on connection: PostgresConnection, logger: Logger) async throws {
        var eventRows = CopyTextWriter(capacity: events.count * 512)
        var payloadRows = CopyTextWriter(capacity: events.count * 1024)
        for event in events {
            try eventRows.event(event)
            if let payload = event.payload { try payloadRows.payload(payload, of: event) }
        }
        let eventBytes = eventRows.buffer
        try await connection.copyFrom(table: target.events, columns: eventColumns, logger: logger) { writer in
            try await writer.write(eventBytes)
        }
        let payloadBytes = payloadRows.buffer
        if payloadBytes.readableBytes > 0 {
            try await connection.copyFrom(table: target.payloads, columns: payloadColumns, logger: logger) { writer in
                try await writer.write(payloadBytes)
            }
        }
    }

    /// The canonical hash of each of `events` as stored (the direct way), keyed by `(id, ts)`
    /// like the table: one primary-key probe per event, in the partition of its `ts`. (As a
    /// join, the planner hashed every row of the batch's time range, or, with hash joins off,
    /// scanned that range once per event: new rows lie past the statistics' last `ts`.)
    static func eventHashes(_ events: [AuditEvent]) -> PostgresQuery {
        hashes(events, of: "audit_event_canonical(e)", in: "audit_events e WHERE e.id = k.id AND e.ts = k.ts")
    }

    /// The canonical hash of the payload of each of `events` as stored (the direct way).
    static func payloadHashes(_ events: [AuditEvent]) -> PostgresQuery {
        hashes(events, of: "audit_payload_canonical(p)", in: "audit_payloads p WHERE p.event_id = k.id AND p.ts = k.ts")
    }

    /// `canonical`: the canonical text of the row that `row` finds for the key `k`.
    private static func hashes(_ events: [AuditEvent], of canonical: String, in row: String) -> PostgresQuery {
        PostgresQuery(
            unsafeSQL: "SELECT k.id, (SELECT sha256(convert_to(\(canonical), 'UTF8')) FROM \(row)) FROM unnest($1::uuid[], $2::timestamptz[]) AS k(id, ts)",
            binds: keys(events)
        )
    }

    /// The events' keys, bound the way the rows were copied.
    private static func keys(_ events: [AuditEvent]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(events.map(\.id))
        bindings.append(events.map(\.timestamp))
        return bindings
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
    static func copyLinks(chain: String, _ links: [(seq: Int64, id: UUID, ts: Date, link: [UInt8])], on connection: PostgresConnection, logger: Logger) async throws {
        var rows = CopyTextWriter(capacity: links.count * 160)
        for entry in links {
            rows.text(chain)
            rows.integer(entry.seq)
            rows.uuid(entry.id)
            try rows.timestamp(entry.ts)
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
    /// One row of `AuditCopy.eventColumns`.
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

    /// One row of `AuditCopy.payloadColumns`.
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
