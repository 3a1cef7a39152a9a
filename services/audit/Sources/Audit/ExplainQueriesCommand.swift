import Foundation
import Logging
import PostgresNIO
import TollgateCore

/// `audit explain-queries FILTER...`: runs `EXPLAIN ANALYZE` of the events page (50 rows; for a
/// payload filter, the first window the service reads) and of its capped count for each filter (a query string such as `tool=echo&success=false`),
/// against the database the configuration names, as the audit role, and prints a Markdown
/// table: the indexes each plan uses, the tables it reads without one, and the execution times.
/// Operators run it on their own data to see that every filter of seed 002 has an index.
public enum ExplainQueriesCommand {
    struct PlanSummary {
        var indexes: Set<String> = []
        var sequentialScans: Set<String> = []
        var milliseconds: Double = 0
    }

    public static func run(_ filters: [String]) async -> Int32 {
        guard !filters.isEmpty else {
            FileHandle.standardError.write(Data("usage: audit explain-queries 'tool=echo&success=false' ...\n".utf8))
            return 2
        }
        var logger = Logger(label: "audit.explain")
        logger.logLevel = .error
        do {
            let config = try AuditConfig(reader: ConfigReader(environment: ProcessInfo.processInfo.environment))
            let client = config.settings.postgres.makeClient(logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                print("| filter | page: indexes | page: read without index | page ms | count ms |")
                print("|---|---|---|---|---|")
                for text in filters {
                    let pairs = text.split(separator: "&").map { pair -> (String, String) in
                        let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                        return (parts[0], parts.count > 1 ? parts[1] : "")
                    }
                    let filter = try AuditFilter(query: pairs)
                    var (page, count) = AuditQueryController.pageQueries(filter, limit: 50, offset: 0)
                    if filter.needsPayload {
                        // The service reads a payload filter window by window (`AuditPageReader`):
                        // the plan shown is that of its first window, the last hour.
                        var window = filter
                        window.from = max(Date().addingTimeInterval(-AuditPageReader.windows[0]), filter.from ?? .distantPast)
                        page = AuditQueryController.keysQuery(window, limit: 51)
                    }
                    let pagePlan = try await explain(page, client: client, logger: logger)
                    let countPlan = try await explain(count, client: client, logger: logger)
                    let indexes = pagePlan.indexes.sorted().joined(separator: ", ")
                    let scans = pagePlan.sequentialScans.sorted().joined(separator: ", ")
                    print("| `\(text)` | \(indexes.isEmpty ? "none" : indexes) | \(scans.isEmpty ? "none" : scans) | \(String(format: "%.1f", pagePlan.milliseconds)) | \(String(format: "%.1f", countPlan.milliseconds)) |")
                }
                return 0
            }
        } catch {
            FileHandle.standardError.write(Data("explain-queries: \(String(reflecting: error))\n".utf8))
            return 2
        }
    }

    static func explain(_ query: PostgresQuery, client: PostgresClient, logger: Logger) async throws -> PlanSummary {
        let explained = PostgresQuery(unsafeSQL: "EXPLAIN (ANALYZE, FORMAT JSON) " + query.sql, binds: query.binds)
        let rows = try await client.query(explained, logger: logger).collect()
        guard let text = try rows.first?.decode(String.self),
            let document = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]],
            let top = document.first
        else { return PlanSummary() }
        var summary = PlanSummary()
        summary.milliseconds = (top["Execution Time"] as? NSNumber)?.doubleValue ?? 0
        if let plan = top["Plan"] as? [String: Any] { collect(plan, into: &summary) }
        return summary
    }

    /// Index names (partitions' indexes named after their parent's columns) and tables whose rows
    /// a sequential scan read, from every node of the plan.
    private static func collect(_ node: [String: Any], into summary: inout PlanSummary) {
        if let index = node["Index Name"] as? String { summary.indexes.insert(generic(index)) }
        // A sequential scan of an empty partition (the planner's choice for an empty table) reads nothing.
        let rowsRead = ((node["Actual Rows"] as? NSNumber)?.intValue ?? 0) + ((node["Rows Removed by Filter"] as? NSNumber)?.intValue ?? 0)
        if node["Node Type"] as? String == "Seq Scan", rowsRead > 0, let relation = node["Relation Name"] as? String {
            summary.sequentialScans.insert(relation)
        }
        for child in node["Plans"] as? [[String: Any]] ?? [] { collect(child, into: &summary) }
    }

    /// `audit_events_p20261130_tool_name_ts_idx` → `audit_events_*_tool_name_ts_idx`: one name
    /// for the same index on every daily partition.
    static func generic(_ index: String) -> String {
        index.replacing(/_p\d{8}_/, with: "_*_").replacing(/_default_/, with: "_*_")
    }
}
