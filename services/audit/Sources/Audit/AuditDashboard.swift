import Foundation
import Logging
import PostgresNIO

/// The dashboard: the last hour's calls, errors, error rate, p50/p95 duration, unique users and
/// tools, the top five tools and users, and the ten most recent events.
enum AuditDashboard {
    static let topCount = 5
    static let recentCount = 10

    /// For an unrestricted caller, from the rollups: the current minute and the 59 before it
    /// (whole minutes; the current one holds every event committed so far). Percentiles are
    /// estimated from the duration histogram (`DurationHistogram`).
    static func fromRollups(client: PostgresClient, now: Date, logger: Logger) async throws -> String {
        let since = RollupWindow.minute(now, roundingUp: false).addingTimeInterval(-59 * 60)
        let sql: PostgresQuery = """
            WITH r AS (
                SELECT dim, key, success, calls FROM audit_rollups
                WHERE dim IN ('all', 'tool', 'user') AND minute >= \(since)
            ), top AS (
                SELECT dim, key, sum(calls) AS calls, row_number() OVER (PARTITION BY dim ORDER BY sum(calls) DESC, key) AS rank
                FROM r WHERE dim <> 'all' AND key IS NOT NULL GROUP BY dim, key
            )
            SELECT
                (SELECT coalesce(sum(calls), 0) FROM r WHERE dim = 'all')::bigint,
                (SELECT coalesce(sum(calls), 0) FROM r WHERE dim = 'all' AND NOT success)::bigint,
                (SELECT count(*) FROM top WHERE dim = 'user')::bigint,
                (SELECT count(*) FROM top WHERE dim = 'tool')::bigint,
                (SELECT coalesce(jsonb_agg(jsonb_build_object('key', key, 'count', calls) ORDER BY rank), '[]') FROM top WHERE dim = 'tool' AND rank <= \(topCount))::text,
                (SELECT coalesce(jsonb_agg(jsonb_build_object('key', key, 'count', calls) ORDER BY rank), '[]') FROM top WHERE dim = 'user' AND rank <= \(topCount))::text,
                (SELECT audit_histogram_sum(histogram) FROM audit_rollups WHERE dim = 'all' AND minute >= \(since)),
                (SELECT coalesce(jsonb_agg(recent.event), '[]') FROM (
                    SELECT \(unescaped: AuditQueryController.eventJSON) AS event FROM audit_events e
                    WHERE e.ts >= \(since) ORDER BY e.ts DESC LIMIT \(recentCount)) recent)::text
            """
        let row = try await client.query(sql, logger: logger).collect().first
        guard let (total, errors, users, tools, topTools, topUsers, counts, recent) = try row?.decode((Int64, Int64, Int64, Int64, String, String, [Int64]?, String).self)
        else { return "{}" }
        let histogram = DurationHistogram(counts: counts ?? [])
        return render(
            total: total, errors: errors, p50: histogram.percentile(0.5), p95: histogram.percentile(0.95), users: users, tools: tools,
            topTools: topTools, topUsers: topUsers, recent: recent
        )
    }

    /// For a caller restricted to their own rows, from the events (exact percentiles).
    static func fromEvents(client: PostgresClient, subject: String, now: Date, logger: Logger) async throws -> String {
        let since = now.addingTimeInterval(-3600)
        let sql: PostgresQuery = """
            WITH e AS (SELECT * FROM audit_events WHERE ts >= \(since) AND user_subject = \(subject)),
            top AS (SELECT tool_name AS key, count(*) AS calls FROM e GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT \(topCount))
            SELECT count(*), count(*) FILTER (WHERE NOT success), count(DISTINCT user_subject), count(DISTINCT tool_name),
                (SELECT coalesce(jsonb_agg(jsonb_build_object('key', key, 'count', calls) ORDER BY calls DESC, key), '[]') FROM top)::text,
                jsonb_build_array(jsonb_build_object('key', \(subject)::text, 'count', count(*)))::text,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms),
                (SELECT coalesce(jsonb_agg(recent.event), '[]') FROM (
                    SELECT \(unescaped: AuditQueryController.eventJSON) AS event FROM e ORDER BY e.ts DESC LIMIT \(recentCount)) recent)::text
            FROM e
            """
        let row = try await client.query(sql, logger: logger).collect().first
        guard let (total, errors, users, tools, topTools, topUsers, p50, p95, recent) = try row?.decode((Int64, Int64, Int64, Int64, String, String, Double?, Double?, String).self)
        else { return "{}" }
        return render(
            total: total, errors: errors, p50: p50, p95: p95, users: users, tools: tools, topTools: topTools,
            topUsers: total == 0 ? "[]" : topUsers, recent: recent
        )
    }

    private static func render(
        total: Int64, errors: Int64, p50: Double?, p95: Double?, users: Int64, tools: Int64, topTools: String, topUsers: String, recent: String
    ) -> String {
        func number(_ value: Double?) -> String {
            guard let value, value.isFinite else { return "null" }
            return String((value * 10).rounded() / 10)
        }
        let rate = total == 0 ? 0 : (Double(errors) / Double(total) * 10_000).rounded() / 10_000
        return """
            {"window":"1h0m0s","total":\(total),"errors":\(errors),"error_rate":\(rate),"p50_ms":\(number(p50)),"p95_ms":\(number(p95)),\
            "unique_users":\(users),"unique_tools":\(tools),"top_tools":\(topTools),"top_users":\(topUsers),"recent":\(recent)}
            """
    }
}
