import Foundation
import Logging
import PostgresNIO
import SharedProto

/// Writes audit events. A batch is one transaction with one multi-row INSERT per table;
/// `ON CONFLICT DO NOTHING` on the event key makes a redelivered batch harmless. Events are
/// written as `storable` (no U+0000, which Postgres refuses).
struct AuditStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// Stores `events`; returns how many were new.
    @discardableResult
    func insert(_ events: [AuditEvent]) async throws -> Int {
        guard !events.isEmpty else { return 0 }
        let events = events.map(\.storable)
        return try await client.withTransaction(logger: logger) { connection in
            var inserted = 0
            // Bounded so a batch stays far below Postgres' 65535 bind parameters.
            for chunk in stride(from: 0, to: events.count, by: 1000).map({ Array(events[$0..<min($0 + 1000, events.count)]) }) {
                let rows = try await connection.query(Self.eventsInsert(chunk), logger: logger)
                for try await _ in rows { inserted += 1 }
                let payloads = chunk.filter { $0.payload != nil }
                if !payloads.isEmpty {
                    try await connection.query(Self.payloadsInsert(payloads), logger: logger)
                }
            }
            return inserted
        }
    }

    static func eventsInsert(_ events: [AuditEvent]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: events.count * 23)
        var values: [String] = []
        values.reserveCapacity(events.count)
        for event in events {
            let base = bindings.count
            bindings.append(event.id)
            bindings.append(event.timestamp)
            bindings.append(event.durationMs)
            bindings.append(event.requestID)
            bindings.append(event.sessionID)
            bindings.append(event.userSubject)
            bindings.append(event.userEmail)
            bindings.append(event.authType)
            bindings.append(event.apiKeyName)
            bindings.append(event.toolName)
            bindings.append(event.toolGroup)
            bindings.append(event.parameters)
            bindings.append(event.success)
            bindings.append(event.errorMessage)
            bindings.append(event.errorCategory)
            bindings.append(event.requestChars)
            bindings.append(event.responseChars)
            bindings.append(event.contentBlocks)
            bindings.append(event.transport)
            bindings.append(event.source)
            bindings.append(event.remoteAddr)
            bindings.append(event.userAgent)
            bindings.append(event.traceID)
            let placeholders = (1...23).map { index in index == 12 ? "$\(base + index)::jsonb" : "$\(base + index)" }
            values.append("(" + placeholders.joined(separator: ",") + ")")
        }
        let sql = """
            INSERT INTO audit_events (id, ts, duration_ms, request_id, session_id, user_subject, user_email, auth_type, api_key_name,
                tool_name, tool_group, parameters, success, error_message, error_category, request_chars, response_chars, content_blocks,
                transport, source, remote_addr, user_agent, trace_id)
            VALUES \(values.joined(separator: ","))
            ON CONFLICT (id, ts) DO NOTHING RETURNING id
            """
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    static func payloadsInsert(_ events: [AuditEvent]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: events.count * 15)
        var values: [String] = []
        let jsonColumns: Set<Int> = [4, 7, 9, 10, 13]
        for event in events {
            guard let payload = event.payload else { continue }
            let base = bindings.count
            bindings.append(event.id)
            bindings.append(event.timestamp)
            bindings.append(payload.jsonrpcMethod)
            bindings.append(payload.requestParams)
            bindings.append(payload.requestSizeBytes)
            bindings.append(payload.requestTruncated)
            bindings.append(payload.requestHeaders)
            bindings.append(payload.requestRemoteAddr)
            bindings.append(payload.responseResult)
            bindings.append(payload.responseError)
            bindings.append(payload.responseSizeBytes)
            bindings.append(payload.responseTruncated)
            bindings.append(payload.notifications)
            bindings.append(payload.notificationsTruncated)
            bindings.append(payload.replayedFrom)
            let placeholders = (1...15).map { index in jsonColumns.contains(index) ? "$\(base + index)::jsonb" : "$\(base + index)" }
            values.append("(" + placeholders.joined(separator: ",") + ")")
        }
        let sql = """
            INSERT INTO audit_payloads (event_id, ts, jsonrpc_method, request_params, request_size_bytes, request_truncated, request_headers,
                request_remote_addr, response_result, response_error, response_size_bytes, response_truncated, notifications,
                notifications_truncated, replayed_from)
            VALUES \(values.joined(separator: ","))
            ON CONFLICT (event_id, ts) DO NOTHING
            """
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// Why Postgres refused the data of a batch (SQLSTATE class 22, data exception, e.g. JSON
    /// it cannot read), or `nil` for other failures (connection, server), which are retried.
    static func refusedData(_ error: any Error) -> String? {
        let cause = (error as? PostgresTransactionError)?.closureError ?? error
        guard let error = cause as? PSQLError, let state = error.serverInfo?[.sqlState], state.hasPrefix("22") else { return nil }
        return "\(state) \(error.serverInfo?[.message] ?? "")"
    }
}
