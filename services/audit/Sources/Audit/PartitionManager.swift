import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps daily partitions of `audit_events` and `audit_payloads`: creates them
/// `partitionsAhead` days ahead and drops those entirely older than `retentionDays`, so
/// retention costs a `DROP TABLE`, never a slow `DELETE`. Runs at start-up and hourly.
struct PartitionManager: Service {
    static let tables = ["audit_events", "audit_payloads"]

    let client: PostgresClient
    let retentionDays: Int
    let partitionsAhead: Int
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(3600))
                guard !Task.isCancelled else { return }
                do {
                    _ = try await maintain()
                } catch {
                    logger.warning("partition maintenance failed", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
        }
    }

    /// Creates missing partitions and drops expired ones; returns their names. Several audit
    /// processes may run this at once (`CREATE TABLE IF NOT EXISTS` is not race-safe), so it
    /// runs in one transaction holding an advisory lock; DDL is transactional in Postgres.
    func maintain(now: Date = Date()) async throws -> (created: [String], dropped: [String]) {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('tollgate.audit.partitions'))", logger: logger)
            var created: [String] = []
            let today = Self.startOfDay(now)
            for offset in -1...partitionsAhead {
                let day = today.addingTimeInterval(Double(offset) * 86_400)
                for table in Self.tables {
                    let name = "\(table)_p\(Self.stamp(day))"
                    let exists = try await connection.query("SELECT to_regclass(\(name)) IS NOT NULL", logger: logger).collect().first?.decode(Bool.self) ?? false
                    guard !exists else { continue }
                    let from = Self.iso(day)
                    let to = Self.iso(day.addingTimeInterval(86_400))
                    try await connection.query(
                        "CREATE TABLE \(unescaped: name) PARTITION OF \(unescaped: table) FOR VALUES FROM ('\(unescaped: from)') TO ('\(unescaped: to)')",
                        logger: logger
                    )
                    created.append(name)
                }
            }

            let cutoff = today.addingTimeInterval(-Double(retentionDays) * 86_400)
            var dropped: [String] = []
            let rows = try await connection.query(
                """
                SELECT child.relname FROM pg_inherits
                JOIN pg_class child ON child.oid = pg_inherits.inhrelid
                JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
                JOIN pg_namespace ON pg_namespace.oid = parent.relnamespace
                WHERE pg_namespace.nspname = current_schema() AND parent.relname IN ('audit_events', 'audit_payloads')
                """,
                logger: logger
            )
            for try await name in rows.decode(String.self) {
                guard let day = Self.day(ofPartition: name), day.addingTimeInterval(86_400) <= cutoff else { continue }
                dropped.append(name)
            }
            for name in dropped {
                try await connection.query("DROP TABLE IF EXISTS \(unescaped: name)", logger: logger)
            }
            // Stragglers in the default partitions expire too.
            for table in Self.tables {
                try await connection.query("DELETE FROM \(unescaped: table)_default WHERE ts < \(cutoff)", logger: logger)
            }
            if !created.isEmpty || !dropped.isEmpty {
                logger.info("audit partitions maintained", metadata: ["created": "\(created)", "dropped": "\(dropped)"])
            }
            return (created, dropped)
        }
    }

    private static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    static func startOfDay(_ date: Date) -> Date { utc.startOfDay(for: date) }

    static func stamp(_ day: Date) -> String {
        let parts = utc.dateComponents([.year, .month, .day], from: day)
        return String(format: "%04d%02d%02d", parts.year!, parts.month!, parts.day!)
    }

    static func iso(_ day: Date) -> String {
        let parts = utc.dateComponents([.year, .month, .day], from: day)
        return String(format: "%04d-%02d-%02d 00:00:00+00", parts.year!, parts.month!, parts.day!)
    }

    /// The day a partition covers, from its `_pYYYYMMDD` suffix.
    static func day(ofPartition name: String) -> Date? {
        guard let range = name.range(of: #"_p[0-9]{8}$"#, options: .regularExpression) else { return nil }
        let digits = name[range].dropFirst(2)
        guard let year = Int(digits.prefix(4)), let month = Int(digits.dropFirst(4).prefix(2)), let day = Int(digits.suffix(2)) else { return nil }
        return utc.date(from: DateComponents(year: year, month: month, day: day))
    }
}
