import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps daily partitions of `audit_events` and `audit_payloads`: creates them
/// `partitionsAhead` days ahead and drops those entirely older than `retentionDays`, so
/// retention costs a `DROP TABLE`, never a slow `DELETE`. Runs at start-up and hourly.
struct PartitionManager: Service {
    static let tables = ["audit_events", "audit_payloads", "audit_chain_links"]

    let client: PostgresClient
    let retentionDays: Int
    let partitionsAhead: Int
    /// Signs the checkpoints written for links about to be dropped.
    var signer = ChainSigner.none
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
        try await retryingDeadlocks { try await maintainOnce(now: now) }
    }

    private func maintainOnce(now: Date) async throws -> (created: [String], dropped: [String]) {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('tollgate.audit.partitions'))", logger: logger)
            let today = Self.startOfDay(now)
            var missing: [(name: String, table: String, day: Date)] = []
            for offset in -1...partitionsAhead {
                let day = today.addingTimeInterval(Double(offset) * 86_400)
                for table in Self.tables {
                    let name = "\(table)_p\(Self.stamp(day))"
                    let exists = try await connection.query("SELECT to_regclass(\(name)) IS NOT NULL", logger: logger).collect().first?.decode(Bool.self) ?? false
                    if !exists { missing.append((name, table, day)) }
                }
            }
            let cutoff = today.addingTimeInterval(-Double(retentionDays) * 86_400)
            let expired = try await partitions(on: connection).filter { name in
                guard let day = Self.day(ofPartition: name) else { return false }
                return day.addingTimeInterval(86_400) <= cutoff
            }

            if !missing.isEmpty || !expired.isEmpty {
                // An insert locks audit_events, then audit_payloads. The DDL below locks the
                // parents and their default partitions; taking both parents first, in the
                // inserts' order, makes in-flight inserts finish instead of deadlocking.
                try await connection.query("LOCK TABLE audit_events, audit_payloads, audit_chain_links IN SHARE ROW EXCLUSIVE MODE", logger: logger)
                for partition in missing {
                    try await create(partition.name, of: partition.table, from: partition.day, on: connection)
                }
                for name in expired {
                    if name.hasPrefix("audit_chain_links_") { try await checkpointBeforeDrop(name, on: connection) }
                    try await connection.query("DROP TABLE IF EXISTS \(unescaped: name)", logger: logger)
                }
                logger.info("audit partitions maintained", metadata: ["created": "\(missing.map(\.name))", "dropped": "\(expired)"])
            }
            // Stragglers in the default partitions expire too (their links keep a checkpoint).
            try await checkpointBeforeDrop("audit_chain_links_default", before: cutoff, on: connection)
            for table in Self.tables {
                try await connection.query("DELETE FROM \(unescaped: table)_default WHERE ts < \(cutoff)", logger: logger)
            }
            // Rollups follow the events out (by dimension, so the key index finds them).
            try await connection.query(
                "DELETE FROM audit_rollups WHERE dim IN ('all', 'tool', 'user', 'auth_type') AND minute < \(cutoff)", logger: logger
            )
            return (missing.map(\.name), expired)
        }
    }

    /// Retention must not break the chain: every link about to be dropped whose successor stays
    /// gets a signed checkpoint (`retention`), from which verification carries on.
    private func checkpointBeforeDrop(_ table: String, before cutoff: Date? = nil, on connection: PostgresConnection) async throws {
        let condition = cutoff.map { " AND l.ts < '\(Self.iso($0))'" } ?? ""
        let rows = try await connection.query(
            """
            SELECT l.chain_id, l.seq, l.link, l.ts FROM \(unescaped: table) l
            WHERE NOT EXISTS (SELECT 1 FROM \(unescaped: table) n WHERE n.chain_id = l.chain_id AND n.seq = l.seq + 1\(unescaped: condition.replacingOccurrences(of: "l.ts", with: "n.ts")))\(unescaped: condition)
            """,
            logger: logger
        )
        var checkpoints: [ChainCheckpoint] = []
        for try await (chain, seq, link, ts) in rows.decode((String, Int64, Data, Date).self) {
            let hex = ChainLink.hex(Array(link))
            checkpoints.append(ChainCheckpoint(
                chainID: chain, seq: seq, link: hex, ts: ts, signedAt: Date(), keyID: signer.keyID,
                signature: try signer.sign(ChainCheckpoint.message(chainID: chain, seq: seq, link: hex)), retention: true
            ))
        }
        for checkpoint in checkpoints {
            try await connection.query(AuditStore.checkpointInsert(checkpoint, markRetention: true), logger: logger)
        }
    }

    /// The daily partitions of the partitioned tables (not the default ones).
    private func partitions(on connection: PostgresConnection) async throws -> [String] {
        let rows = try await connection.query(
            """
            SELECT child.relname FROM pg_inherits
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
            JOIN pg_namespace ON pg_namespace.oid = parent.relnamespace
            WHERE pg_namespace.nspname = current_schema() AND parent.relname IN ('audit_events', 'audit_payloads', 'audit_chain_links')
            """,
            logger: logger
        )
        var names: [String] = []
        for try await name in rows.decode(String.self) where Self.day(ofPartition: name) != nil {
            names.append(name)
        }
        return names
    }

    /// Creates the partition of `table` for `day`. Rows of that day may already sit in the
    /// default partition (written while the partition did not exist); `CREATE TABLE ...
    /// PARTITION OF` would then fail for ever, so the table is created detached, those rows
    /// are moved into it and it is attached, all inside the caller's transaction.
    private func create(_ name: String, of table: String, from day: Date, on connection: PostgresConnection) async throws {
        let from = Self.iso(day)
        let to = Self.iso(day.addingTimeInterval(86_400))
        try await connection.query("CREATE TABLE \(unescaped: name) (LIKE \(unescaped: table) INCLUDING DEFAULTS)", logger: logger)
        let moved = try await connection.query(
            """
            WITH moved AS (DELETE FROM \(unescaped: table)_default WHERE ts >= '\(unescaped: from)' AND ts < '\(unescaped: to)' RETURNING *),
            inserted AS (INSERT INTO \(unescaped: name) SELECT * FROM moved RETURNING 1)
            SELECT count(*)::int FROM inserted
            """,
            logger: logger
        ).collect().first?.decode(Int.self) ?? 0
        if moved > 0 {
            logger.notice("rows moved from the default partition", metadata: ["partition": "\(name)", "rows": "\(moved)"])
        }
        try await connection.query(
            "ALTER TABLE \(unescaped: table) ATTACH PARTITION \(unescaped: name) FOR VALUES FROM ('\(unescaped: from)') TO ('\(unescaped: to)')",
            logger: logger
        )
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
