import Foundation
import Hummingbird
import PostgresNIO
import SharedProto
import TollgateCore

/// The audit query API (internal token):
/// `GET /internal/v1/audit/events` with every filter of seed 002 (`AuditFilter`) plus `limit`
/// (1...1000, default 50) and `offset` → `{"events": [...], "has_more": B, "total": N,
/// "total_exact": B}`: `total` counts the matches up to `countCap` (10,000), and
/// `total_exact` is false when there are more; and
/// `GET /internal/v1/audit/events/{id}` with its payload (400 for a non-UUID, 404 unknown).
struct AuditQueryController: Sendable {
    let client: PostgresClient
    let internalToken: String
    var countBudget = Duration.milliseconds(40)

    /// Matches counted at most, per page request.
    static let countCap = 10_000

    static let eventJSON = """
        jsonb_build_object('id', e.id, 'timestamp', e.ts, 'duration_ms', e.duration_ms, 'request_id', e.request_id,
            'session_id', e.session_id, 'user_subject', e.user_subject, 'user_email', e.user_email, 'auth_type', e.auth_type,
            'api_key_name', e.api_key_name, 'tool_name', e.tool_name, 'tool_group', e.tool_group, 'parameters', e.parameters,
            'success', e.success, 'error_message', e.error_message, 'error_category', e.error_category,
            'request_chars', e.request_chars, 'response_chars', e.response_chars, 'content_blocks', e.content_blocks,
            'transport', e.transport, 'source', e.source, 'remote_addr', e.remote_addr, 'user_agent', e.user_agent,
            'trace_id', e.trace_id)
        """

    func addRoutes(to router: Router<BasicRequestContext>) {
        let group = router.group(RouterPath(InternalAPI.Audit.events)).add(middleware: InternalTokenMiddleware(token: internalToken))
        group.get { request, context in try await list(request, context: context) }
        group.get("{id}") { request, context in try await event(request, context: context) }
    }

    private func list(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let query = request.uri.form
        let limit = try Self.int(query.get("limit"), name: "limit", default: 50, range: 1...1000)
        let offset = try Self.int(query.get("offset"), name: "offset", default: 0, range: 0...1_000_000)
        let filter: AuditFilter
        do {
            filter = try AuditFilter(query: query.pairs.map { ($0.key, $0.value) }, subject: Self.subject(request))
        } catch let invalid as AuditFilter.Invalid {
            throw HTTPError(.badRequest, message: invalid.message)
        }
        let reader = AuditPageReader(client: client, logger: context.logger, countBudget: countBudget)
        async let counted = reader.count(filter)
        let (events, hasMore) = try await reader.page(filter, limit: limit, offset: offset)
        var count = try await counted
        if count.estimated {
            if !hasMore, offset == 0 || !events.isEmpty {
                // The page reached the last match: the number is known, whatever the planner guessed.
                let total = offset + events.count
                count = AuditPageReader.Count(total: min(total, Self.countCap), exact: total <= Self.countCap, estimated: false)
            } else {
                // An estimate is never below what this page already shows.
                count.total = max(count.total, offset + events.count + (hasMore ? 1 : 0))
            }
        }
        return Response.json(
            "{\"events\":[\(events.joined(separator: ","))],\"has_more\":\(hasMore),\"total\":\(count.total),\"total_exact\":\(count.exact),\"total_estimated\":\(count.estimated)}"
        )
    }

    /// The queries of one page: its events (newest first, one more than `limit`, which says
    /// whether another page follows) and the count of matches, stopped at `countCap + 1` so
    /// neither query's cost grows with the table.
    static func pageQueries(_ filter: AuditFilter, limit: Int, offset: Int) -> (page: PostgresQuery, count: PostgresQuery) {
        var bindings = PostgresBindings()
        let from = matching(filter, &bindings)
        bindings.append(limit + 1)
        let limitPlaceholder = "$\(bindings.count)"
        bindings.append(offset)
        let offsetPlaceholder = "$\(bindings.count)"
        let page = PostgresQuery(
            unsafeSQL: "SELECT \(eventJSON)::text \(from) ORDER BY e.ts DESC, e.id LIMIT \(limitPlaceholder) OFFSET \(offsetPlaceholder)",
            binds: bindings
        )
        return (page, countQuery(filter, cap: countCap + 1))
    }

    /// The FROM and WHERE of a filter's matches, over the events (`e`, joined to their payloads
    /// `p` for a payload filter); with `payloadsAlone`, over the payloads (`p`) alone.
    /// `joinedByID` joins on the id alone, for an estimate (see `matchesQuery`).
    private static func matching(
        _ filter: AuditFilter, _ bindings: inout PostgresBindings, payloadsAlone: Bool = false, joinedByID: Bool = false
    ) -> String {
        let conditions = filter.conditions(into: &bindings, payloadsAlone: payloadsAlone)
        let join = joinedByID ? "p.event_id = e.id" : "p.event_id = e.id AND p.ts = e.ts"
        let source =
            payloadsAlone
            ? "FROM audit_payloads p"
            : "FROM audit_events e" + (filter.needsPayload ? " JOIN audit_payloads p ON \(join)" : "")
        return source + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
    }

    /// The number of matches, stopped at `cap`. A filter on the payload alone is counted in
    /// the payloads: joining 10,000 matches to their events by key took 457 ms on 10,000,000
    /// rows, against 20 to 28 ms without the join.
    static func countQuery(_ filter: AuditFilter, cap: Int) -> PostgresQuery {
        var bindings = PostgresBindings()
        let from = matching(filter, &bindings, payloadsAlone: filter.onPayloadsAlone)
        return PostgresQuery(unsafeSQL: "SELECT count(*) FROM (SELECT 1 \(from) LIMIT \(cap)) matches", binds: bindings)
    }

    /// Every match (for the planner's estimate of their number). A filter on the payload alone
    /// is estimated from the payloads' GIN index (8,209 for 10,000 matches in 10,000,000
    /// rows). Any other payload filter joins on the id alone: the planner multiplies the
    /// selectivities of `id` and `ts`, both nearly unique, and estimated every such join at
    /// one row (on the id alone: 83,234 for 83,334 matches in 1,000,000 rows). This query is
    /// only planned, never run.
    static func matchesQuery(_ filter: AuditFilter) -> PostgresQuery {
        var bindings = PostgresBindings()
        let from = matching(filter, &bindings, payloadsAlone: filter.onPayloadsAlone, joinedByID: true)
        return PostgresQuery(unsafeSQL: "SELECT 1 \(from)", binds: bindings)
    }

    /// The keys `(id, ts)` of the newest `limit` matches.
    static func keysQuery(_ filter: AuditFilter, limit: Int) -> PostgresQuery {
        var bindings = PostgresBindings()
        let alone = filter.onPayloadsAlone
        let from = matching(filter, &bindings, payloadsAlone: alone)
        let (id, ts) = alone ? ("p.event_id", "p.ts") : ("e.id", "e.ts")
        bindings.append(limit)
        return PostgresQuery(unsafeSQL: "SELECT \(id), \(ts) \(from) ORDER BY \(ts) DESC, \(id) LIMIT $\(bindings.count)", binds: bindings)
    }

    /// The events with these keys, as JSON, with their ids.
    static func eventsByKey(_ keys: [(UUID, Date)]) -> PostgresQuery {
        var bindings = PostgresBindings()
        bindings.append(keys.map(\.0))
        bindings.append(keys.map(\.1))
        return PostgresQuery(
            unsafeSQL: """
                SELECT e.id, \(eventJSON)::text FROM unnest($1::uuid[], $2::timestamptz[]) AS k(id, ts)
                JOIN audit_events e ON e.id = k.id AND e.ts = k.ts
                """,
            binds: bindings
        )
    }

    private func event(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let text = try context.parameters.require("id")
        guard let id = UUID(uuidString: text) else { throw HTTPError(.badRequest, message: "id must be a UUID") }
        // Another caller's row answers exactly like a row that does not exist.
        let subject = Self.subject(request)
        let sql: PostgresQuery = """
            SELECT (\(unescaped: Self.eventJSON) || jsonb_build_object('payload', (
                SELECT jsonb_build_object('jsonrpc_method', p.jsonrpc_method, 'request_params', p.request_params,
                    'request_size_bytes', p.request_size_bytes, 'request_truncated', p.request_truncated,
                    'request_headers', p.request_headers, 'request_remote_addr', p.request_remote_addr,
                    'response_result', p.response_result, 'response_error', p.response_error,
                    'response_size_bytes', p.response_size_bytes, 'response_truncated', p.response_truncated,
                    'notifications', p.notifications, 'notifications_truncated', p.notifications_truncated,
                    'replayed_from', p.replayed_from)
                FROM audit_payloads p WHERE p.event_id = e.id AND p.ts = e.ts)))::text
            FROM audit_events e WHERE e.id = \(id) AND (\(subject)::text IS NULL OR e.user_subject = \(subject))
            """
        guard let json = try await client.query(sql, logger: context.logger).collect().first?.decode(String.self) else {
            throw HTTPError(.notFound, message: "no audit event \(id.uuidString.lowercased())")
        }
        return Response.json(json)
    }

    /// The subject every row must have (`InternalAPI.Audit.subjectHeader`), if the caller is restricted.
    static func subject(_ request: Request) -> String? {
        request.headers[.init(InternalAPI.Audit.subjectHeader)!]
    }

    private static func int(_ text: String?, name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        // Absent means the default; present but empty is not an integer (the OpenAPI document says so).
        guard let text else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw HTTPError(.badRequest, message: "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    private static func date(_ text: String?, name: String) throws -> Date? {
        guard let text, !text.isEmpty else { return nil }
        guard let date = WireCoding.parseDate(text) else { throw HTTPError(.badRequest, message: "\(name) must be an RFC 3339 time") }
        return date
    }
}
