import Foundation
import PostgresNIO
import SharedProto

/// The per-minute rollups of a batch of newly stored events (table `audit_rollups`, migration 3),
/// added to the stored ones in the batch's transaction: a committed event is in the rollups
/// exactly once, and a redelivered one (not newly stored) is not counted again.
struct AuditRollups: Sendable {
    /// The dimensions besides `all`, with the event field each groups by.
    static let dimensions: [(name: String, key: @Sendable (AuditEvent) -> String?)] = [
        ("tool", { $0.toolName }), ("user", { $0.userSubject }), ("auth_type", { $0.authType }),
    ]

    struct Key: Hashable, Comparable {
        var dim: String
        var minute: Int64
        var key: String?
        var success: Bool

        static func < (a: Key, b: Key) -> Bool {
            (a.dim, a.minute, a.key ?? "", a.success ? 1 : 0) < (b.dim, b.minute, b.key ?? "", b.success ? 1 : 0)
        }
    }

    struct Totals {
        var calls: Int64 = 0
        var durationSum: Int64 = 0
        var histogram: DurationHistogram?
    }

    private(set) var rows: [Key: Totals] = [:]

    init(_ events: some Sequence<AuditEvent>) {
        for event in events { add(event) }
    }

    /// The minute an event falls in, as seconds since 1970 (a multiple of 60).
    static func minute(of date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / 60).rounded(.down)) * 60
    }

    mutating func add(_ event: AuditEvent) {
        let minute = Self.minute(of: event.timestamp)
        let duration = max(0, event.durationMs)
        let all = Key(dim: "all", minute: minute, key: nil, success: event.success)
        rows[all, default: Totals(histogram: DurationHistogram())].calls += 1
        rows[all]!.durationSum += duration
        rows[all]!.histogram!.add(duration)
        for dimension in Self.dimensions {
            let key = Key(dim: dimension.name, minute: minute, key: dimension.key(event), success: event.success)
            rows[key, default: Totals()].calls += 1
            rows[key]!.durationSum += duration
        }
    }

    /// One upsert adding these rows to the stored ones. Rows go in key order, so two writers
    /// (several consumers) lock shared rollup rows in the same order and cannot deadlock.
    var upsert: PostgresQuery? {
        guard !rows.isEmpty else { return nil }
        var bindings = PostgresBindings(capacity: rows.count * 7)
        var values: [String] = []
        values.reserveCapacity(rows.count)
        for key in rows.keys.sorted() {
            let totals = rows[key]!
            let base = bindings.count
            bindings.append(key.dim)
            bindings.append(Date(timeIntervalSince1970: Double(key.minute)))
            bindings.append(key.key)
            bindings.append(key.success)
            bindings.append(totals.calls)
            bindings.append(totals.durationSum)
            bindings.append(totals.histogram?.counts)
            values.append("($\(base + 1),$\(base + 2),$\(base + 3),$\(base + 4),$\(base + 5),$\(base + 6),$\(base + 7)::bigint[])")
        }
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO audit_rollups AS r (dim, minute, key, success, calls, duration_sum, histogram)
                VALUES \(values.joined(separator: ","))
                ON CONFLICT (dim, minute, key, success) DO UPDATE SET
                    calls = r.calls + excluded.calls,
                    duration_sum = r.duration_sum + excluded.duration_sum,
                    histogram = audit_histogram_add(r.histogram, excluded.histogram)
                """,
            binds: bindings
        )
    }
}
