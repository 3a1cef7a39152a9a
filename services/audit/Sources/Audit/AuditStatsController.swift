import Foundation
import Hummingbird
import PostgresNIO
import SharedProto
import TollgateCore

/// Aggregates and export of the audit trail (internal token):
/// - `GET /internal/v1/audit/export?<filters>&format=jsonl`: NDJSON of event summaries,
///   newest first, streamed from Postgres, at most 100,000 rows.
/// - `GET /internal/v1/audit/timeseries?from=&to=&bucket=1m`: counts, errors and mean duration
///   per bucket, empty buckets included.
/// - `GET /internal/v1/audit/breakdown?by=tool|user|success|auth_type&from=&to=`.
/// - `GET /internal/v1/audit/dashboard`: the last hour's totals (`AuditDashboard`).
///
/// The aggregates of an unrestricted caller read the per-minute rollups plus the events of the
/// partial minutes at the window's edges (`RollupWindow`): exact, and a few rows per minute.
struct AuditStatsController: Sendable {
    static let exportCap = InternalAPI.Audit.exportMaxRows
    static let maximumBuckets = 10_000

    let client: PostgresClient
    let internalToken: String

    func addRoutes(to router: Router<BasicRequestContext>) {
        let token = InternalTokenMiddleware<BasicRequestContext>(token: internalToken)
        router.group(RouterPath(InternalAPI.Audit.export)).add(middleware: token).get { request, context in try await export(request, context: context) }
        router.group(RouterPath(InternalAPI.Audit.timeseries)).add(middleware: token).get { request, context in try await timeseries(request, context: context) }
        router.group(RouterPath(InternalAPI.Audit.breakdown)).add(middleware: token).get { request, context in try await breakdown(request, context: context) }
        router.group(RouterPath(InternalAPI.Audit.dashboard)).add(middleware: token).get { request, context in try await dashboard(request, context: context) }
    }

    private func export(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let query = request.uri.form
        guard (query.get("format") ?? "jsonl") == "jsonl" else { throw HTTPError(.badRequest, message: "format must be jsonl") }
        let filter: AuditFilter
        do {
            filter = try AuditFilter(query: query.pairs.map { ($0.key, $0.value) }, subject: AuditQueryController.subject(request))
        } catch let invalid as AuditFilter.Invalid {
            throw HTTPError(.badRequest, message: invalid.message)
        }
        var bindings = PostgresBindings()
        let conditions = filter.conditions(into: &bindings)
        let join = filter.needsPayload ? "JOIN audit_payloads p ON p.event_id = e.id AND p.ts = e.ts" : ""
        // Each line carries what an offline verifier needs (`ExportVerifier`): the event's
        // link, the canonical texts that were hashed, and the previous link (from the export's
        // own rows where it can, otherwise looked up once per chain).
        let sql = PostgresQuery(
            unsafeSQL: """
                SELECT (CASE WHEN x.chain_id IS NULL THEN x.event
                    ELSE x.event || jsonb_build_object('chain', x.chain || jsonb_build_object('prev', COALESCE(x.prev_in_export,
                        (SELECT encode(pl.link, 'hex') FROM audit_chain_links pl WHERE pl.chain_id = x.chain_id AND pl.seq = x.seq - 1 ORDER BY pl.ts LIMIT 1),
                        (SELECT encode(c.link, 'hex') FROM audit_checkpoints c WHERE c.chain_id = x.chain_id AND c.seq = x.seq - 1))))
                    END)::text
                FROM (
                    SELECT y.*, CASE WHEN lag(y.seq) OVER w = y.seq - 1 THEN lag(y.chain ->> 'link') OVER w END AS prev_in_export
                    FROM (
                        SELECT \(AuditQueryController.eventJSON) AS event, e.ts, e.id, l.chain_id, l.seq,
                            CASE WHEN l.chain_id IS NULL THEN NULL ELSE jsonb_build_object('id', l.chain_id, 'seq', l.seq, 'link', encode(l.link, 'hex'),
                                'event', audit_event_canonical(e),
                                'payload', CASE WHEN cp.event_id IS NULL THEN NULL ELSE audit_payload_canonical(cp) END) END AS chain
                        FROM audit_events e \(join)
                        LEFT JOIN audit_chain_links l ON l.event_id = e.id AND l.ts = e.ts
                        LEFT JOIN audit_payloads cp ON cp.event_id = e.id AND cp.ts = e.ts
                        \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                        ORDER BY e.ts DESC, e.id LIMIT \(Self.exportCap)
                    ) y
                    WINDOW w AS (PARTITION BY y.chain_id ORDER BY y.seq)
                ) x
                ORDER BY x.ts DESC, x.id
                """,
            binds: bindings
        )
        // The query is started before the status is sent: a failure while Postgres plans it
        // (a deadlock with partition maintenance, a restart) is then an error answer, instead
        // of a 200 whose stream is cut off. A deadlock victim is simply run again.
        let client = self.client
        let logger = context.logger
        let rows = try await retryingDeadlocks { try await client.query(sql, logger: logger) }
        return Response(
            status: .ok,
            headers: [.contentType: "application/x-ndjson", .contentDisposition: "attachment; filename=\"audit.jsonl\""],
            body: ResponseBody { writer in
                // Rows stream from Postgres and are written in chunks: memory stays bounded.
                var chunk = ByteBuffer()
                for try await line in rows.decode(String.self) {
                    chunk.writeString(line)
                    chunk.writeString("\n")
                    if chunk.readableBytes > 64 * 1024 {
                        try await writer.write(chunk)
                        chunk.clear()
                    }
                }
                if chunk.readableBytes > 0 { try await writer.write(chunk) }
                try await writer.finish(nil)
            }
        )
    }

    private func timeseries(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let query = request.uri.form
        let (from, to) = try Self.window(query.get("from"), query.get("to"), defaultSeconds: 3600)
        let subject = AuditQueryController.subject(request)
        guard var bucket = GoDuration.parse(query.get("bucket") ?? "1m") else {
            throw HTTPError(.badRequest, message: "bucket must be a duration like 30s, 1m or 1h")
        }
        // A window that would need more than `maximumBuckets` buckets gets wider buckets
        // instead of an error (whole minutes, so the rollups can answer); the answer's
        // `bucket` says which were used.
        let span = to.timeIntervalSince(from)
        if span / Double(bucket) > Double(Self.maximumBuckets) {
            bucket = Int((span / Double(Self.maximumBuckets) / 60).rounded(.up)) * 60
        }
        var bindings = PostgresBindings()
        // Whole-minute buckets of an unrestricted caller come from the rollups; finer buckets
        // and a restricted caller's own rows, from the events.
        let parts =
            subject == nil && bucket % 60 == 0
            ? RollupWindow(from: from, to: to).parts(dim: "all", rollupKey: "NULL::text", eventKey: "NULL::text", bindings: &bindings)
            : RollupWindow.eventParts(from: from, to: to, subject: subject, eventKey: "NULL::text", bindings: &bindings)
        bindings.append(from)
        let fromPlaceholder = "$\(bindings.count)"
        bindings.append(to)
        let toPlaceholder = "$\(bindings.count)"
        let sql = PostgresQuery(
            unsafeSQL: """
                WITH buckets AS (
                    SELECT generate_series(
                        to_timestamp(floor(extract(epoch FROM \(fromPlaceholder)::timestamptz) / \(bucket)) * \(bucket)),
                        \(toPlaceholder)::timestamptz - interval '1 microsecond', make_interval(secs => \(bucket))) AS start
                ), counts AS (
                    SELECT to_timestamp(floor(extract(epoch FROM at) / \(bucket)) * \(bucket)) AS start,
                           sum(total) AS total, sum(errors) AS errors, sum(duration) AS duration
                    FROM (\(parts)) parts GROUP BY 1
                )
                SELECT coalesce(jsonb_agg(jsonb_build_object('ts', b.start, 'count', coalesce(c.total, 0), 'errors', coalesce(c.errors, 0),
                    'avg_ms', CASE WHEN c.total > 0 THEN round(c.duration::numeric / c.total, 1) END) ORDER BY b.start), '[]')::text
                FROM buckets b LEFT JOIN counts c USING (start)
                """,
            binds: bindings
        )
        let points = try await client.query(sql, logger: context.logger).collect().first?.decode(String.self) ?? "[]"
        return Response.json("{\"points\":\(points),\"bucket\":\"\(GoDuration.format(seconds: bucket))\"}")
    }

    private func breakdown(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let query = request.uri.form
        // Each dimension: the rollup dimension and key, and the events' column.
        let dimensions = [
            "tool": ("tool", "key", "tool_name"), "user": ("user", "key", "user_subject"),
            "success": ("all", "success::text", "success::text"), "auth_type": ("auth_type", "key", "auth_type"),
        ]
        let by = query.get("by") ?? "tool"
        guard let (dim, rollupKey, column) = dimensions[by] else { throw HTTPError(.badRequest, message: "by must be tool, user, success or auth_type") }
        let (from, to) = try Self.window(query.get("from"), query.get("to"), defaultSeconds: 86_400)
        let subject = AuditQueryController.subject(request)
        var bindings = PostgresBindings()
        let parts =
            subject == nil
            ? RollupWindow(from: from, to: to).parts(dim: dim, rollupKey: rollupKey, eventKey: column, bindings: &bindings)
            : RollupWindow.eventParts(from: from, to: to, subject: subject, eventKey: column, bindings: &bindings)
        let sql = PostgresQuery(
            unsafeSQL: """
                SELECT coalesce(jsonb_agg(jsonb_build_object('key', key, 'count', total, 'errors', errors, 'avg_duration_ms', avg_ms) ORDER BY total DESC, key), '[]')::text
                FROM (SELECT key, sum(total) AS total, sum(errors) AS errors, round(sum(duration)::numeric / sum(total), 1) AS avg_ms
                      FROM (\(parts)) parts GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1000) groups
                """,
            binds: bindings
        )
        let rows = try await client.query(sql, logger: context.logger).collect().first?.decode(String.self) ?? "[]"
        return Response.json("{\"breakdown\":\(rows),\"by\":\"\(by)\"}")
    }

    private func dashboard(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let subject = AuditQueryController.subject(request)
        let stats = try await subject == nil ? AuditDashboard.fromRollups(client: client, now: Date(), logger: context.logger)
            : AuditDashboard.fromEvents(client: client, subject: subject!, now: Date(), logger: context.logger)
        return Response.json(stats)
    }

    static func window(_ fromText: String?, _ toText: String?, defaultSeconds: Double) throws -> (Date, Date) {
        // An empty value is malformed (omit the parameter for the default); from after to is
        // an empty window.
        let to = try toText.map { text -> Date in
            guard let date = WireCoding.parseDate(text) else { throw HTTPError(.badRequest, message: "to must be an RFC 3339 time") }
            return date
        } ?? Date()
        let from = try fromText.map { text -> Date in
            guard let date = WireCoding.parseDate(text) else { throw HTTPError(.badRequest, message: "from must be an RFC 3339 time") }
            return date
        } ?? to.addingTimeInterval(-defaultSeconds)
        return (from, to)
    }

    private static func bindings(_ values: Date...) -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        return bindings
    }
}
