import Foundation
import Logging
import PostgresNIO

/// Reads one page of events and its count, with costs that do not grow with the table.
///
/// - A filter on indexed columns only is one query: Postgres walks the matching index newest
///   first and stops after the page.
/// - A filter on the payload (`param.`, `response.`, `header.`, `has=`) cannot be walked in time
///   order (its GIN index returns matches in no order), so the page is read window by window,
///   newest first (the last hour, 6 hours, a day, 3 days, a week, two weeks, then the rest): a
///   filter that matches often is answered from the first window, a rare one from a few
///   windows' index lookups, never by walking the whole trail in time order. A filter on the
///   payload alone (`AuditFilter.onPayloadsAlone`) finds its keys, count and estimate in the
///   payloads without joining each match to its event.
/// - A count by tool or by user (with outcome and time range) is exact at any size: whole minutes from the rollups, the partial minutes at the range's edges from the
///   events.
/// - Any other count stops at `AuditQueryController.countCap` matches and has `countBudget` to
///   finish; past it, the planner's estimate is answered instead, flagged as such.
struct AuditPageReader: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// How long the count may take (`query.count_budget`).
    var countBudget = Duration.milliseconds(40)

    static let windows: [TimeInterval] = [3_600, 6 * 3_600, 86_400, 3 * 86_400, 7 * 86_400, 14 * 86_400]

    struct Count {
        var total: Int
        var exact: Bool
        var estimated: Bool
    }

    /// The page's events (JSON objects), and whether more follow.
    func page(_ filter: AuditFilter, limit: Int, offset: Int, now: Date = Date()) async throws -> (events: [String], hasMore: Bool) {
        guard filter.needsPayload else {
            var events = try await client.query(AuditQueryController.pageQueries(filter, limit: limit, offset: offset).page, logger: logger)
                .collect().map { try $0.decode(String.self) }
            let hasMore = events.count > limit
            if hasMore { events.removeLast() }
            return (events, hasMore)
        }
        // The keys of the first offset + limit + 1 matches, window by window, newest first.
        let wanted = offset + limit + 1
        var keys: [(UUID, Date)] = []
        for window in windows(of: filter, now: now) {
            for row in try await client.query(AuditQueryController.keysQuery(window, limit: wanted - keys.count), logger: logger).collect() {
                keys.append(try row.decode((UUID, Date).self))
            }
            if keys.count >= wanted { break }
        }
        let pageKeys = Array(keys.dropFirst(offset).prefix(limit))
        guard !pageKeys.isEmpty else { return ([], false) }
        let rows = try await client.query(AuditQueryController.eventsByKey(pageKeys), logger: logger).collect()
        var byID: [UUID: String] = [:]
        for row in rows {
            let (id, json) = try row.decode((UUID, String).self)
            byID[id] = json
        }
        return (pageKeys.compactMap { byID[$0.0] }, keys.count > offset + limit)
    }

    /// The number of matches: exact up to the cap within the budget, else the planner's estimate.
    /// A payload filter is counted window by window too: Postgres checks for cancellation only
    /// between partitions while it builds a GIN bitmap, so one query over every partition could
    /// overrun the budget by seconds, while a window's overrun is one partition's scan.
    func count(_ filter: AuditFilter, now: Date = Date()) async throws -> Count {
        if let query = Self.rollupCount(filter) {
            let total = try await client.query(query, logger: logger).collect().first?.decode(Int.self) ?? 0
            return Count(total: total, exact: true, estimated: false)
        }
        let deadline = ContinuousClock.now + countBudget
        do {
            let total = try await countWithin(windows(of: filter, now: now), limit: AuditQueryController.countCap + 1, deadline: deadline)
            return Count(total: min(total, AuditQueryController.countCap), exact: total <= AuditQueryController.countCap, estimated: false)
        } catch where Self.cause(error) is CountOverBudget || Self.isTimeout(error) {
            return Count(total: min(try await estimate(filter), AuditQueryController.countCap), exact: false, estimated: true)
        }
    }

    private struct CountOverBudget: Error {}

    /// The shortest statement timeout a count is started with, in milliseconds.
    static let minimumCountTimeout = 10

    /// The count of a filter the rollups can answer: a tool or a user (not both, which no
    /// rollup dimension crosses), with no payload, text or session filter; or nil. Without a
    /// tool or user the capped count is cheaper: most rows match, so it reaches the cap at once.
    static func rollupCount(_ filter: AuditFilter) -> PostgresQuery? {
        guard !filter.needsPayload, filter.q == nil, filter.session == nil else { return nil }
        let users = Set([filter.user, filter.subject].compactMap { $0 })
        guard users.count <= 1, filter.tool == nil || users.isEmpty else { return nil }
        let dim: String
        let key: String?
        if let tool = filter.tool {
            (dim, key) = ("tool", tool)
        } else if let user = users.first {
            (dim, key) = ("user", user)
        } else {
            return nil
        }
        // Without bounds: every minute there can be (events may carry a clock's future time).
        let window = RollupWindow(
            from: filter.from ?? Date(timeIntervalSince1970: 0), to: filter.to ?? Date(timeIntervalSince1970: 32_503_680_000)
        )
        var bindings = PostgresBindings()
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        var rollup = "dim = \(bind(dim)) AND " + (key.map { "key = \(bind($0))" } ?? "key IS NULL")
        rollup += " AND minute >= \(bind(window.innerFrom)) AND minute < \(bind(window.innerTo))"
        if let success = filter.success { rollup += " AND success = \(bind(success))" }
        var edges = filter
        edges.from = nil
        edges.to = nil
        var conditions = edges.conditions(into: &bindings)
        conditions.append(
            "((e.ts >= \(bind(window.from)) AND e.ts < \(bind(window.innerFrom))) OR (e.ts >= \(bind(window.innerTo)) AND e.ts < \(bind(window.to))))"
        )
        return PostgresQuery(
            unsafeSQL: """
                SELECT ((SELECT coalesce(sum(calls), 0) FROM audit_rollups WHERE \(rollup))
                    + (SELECT count(*) FROM audit_events e WHERE \(conditions.joined(separator: " AND "))))::bigint
                """,
            binds: bindings
        )
    }

    /// The filter itself, or for a payload filter its windows, newest first.
    private func windows(of filter: AuditFilter, now: Date) -> [AuditFilter] {
        guard filter.needsPayload else { return [filter] }
        var result: [AuditFilter] = []
        var upper: Date? = filter.to
        for boundary in Self.windows.map({ now.addingTimeInterval(-$0) }) + [.distantPast] {
            if let upper, upper <= boundary { continue }
            var window = filter
            window.to = upper
            let lower = boundary == .distantPast ? filter.from : max(boundary, filter.from ?? boundary)
            window.from = lower
            result.append(window)
            if let from = filter.from, let lower, lower <= from { break }
            upper = lower
        }
        return result
    }

    /// Counts the matches of `windows` in turn, up to `limit` in all, in one transaction
    /// (one per window cost 35 round trips for a 30-day payload filter, about a quarter of its
    /// budget); each window's statement may run for what is left until `deadline`.
    private func countWithin(_ windows: [AuditFilter], limit: Int, deadline: ContinuousClock.Instant) async throws -> Int {
        try await client.withTransaction(logger: logger) { connection in
            var total = 0
            for window in windows {
                let left = deadline - .now
                let milliseconds = Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
                // The timeout covers every statement of the transaction, COMMIT too: a few
                // milliseconds left would cancel the COMMIT on a busy machine, and the pooled
                // connection would stay inside an aborted transaction (seen in CI). Too little
                // budget is spent; the timeout is lifted before COMMIT.
                guard milliseconds >= Self.minimumCountTimeout else { throw CountOverBudget() }
                try await connection.query("SET LOCAL statement_timeout = \(unescaped: String(milliseconds))", logger: logger)
                let countSQL = AuditQueryController.countQuery(window, cap: limit - total)
                total += try await connection.query(countSQL, logger: logger).collect().first?.decode(Int.self) ?? 0
                if total >= limit { break }
            }
            try await connection.query("SET LOCAL statement_timeout = 0", logger: logger)
            return total
        }
    }

    /// The planner's estimate of the matches (no rows are read).
    private func estimate(_ filter: AuditFilter) async throws -> Int {
        let query = AuditQueryController.matchesQuery(filter)
        let explained = PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT JSON) " + query.sql, binds: query.binds)
        guard let text = try await client.query(explained, logger: logger).collect().first?.decode(String.self),
            let plan = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])?.first?["Plan"] as? [String: Any],
            let rows = (plan["Plan Rows"] as? NSNumber)?.intValue
        else { return 0 }
        return rows
    }

    static func isTimeout(_ error: any Error) -> Bool {
        (cause(error) as? PSQLError)?.serverInfo?[.sqlState] == "57014"
    }

    /// The error a transaction's body threw, or `error` itself.
    private static func cause(_ error: any Error) -> any Error {
        (error as? PostgresTransactionError)?.closureError ?? error
    }
}
