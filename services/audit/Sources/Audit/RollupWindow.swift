import Foundation
import PostgresNIO

/// A time window `[from, to)` split for an exact aggregate: the whole minutes inside it are
/// read from the per-minute rollups, the partial minutes at its two edges from the events.
/// A window shorter than a whole minute is read from the events alone.
struct RollupWindow: Equatable {
    let from: Date
    let to: Date
    /// The whole minutes `[innerFrom, innerTo)`; empty when `innerFrom == innerTo`.
    let innerFrom: Date
    let innerTo: Date

    init(from: Date, to: Date) {
        self.from = from
        self.to = max(from, to)
        let first = Self.minute(from, roundingUp: true)
        let last = Self.minute(self.to, roundingUp: false)
        if first < last {
            innerFrom = first
            innerTo = last
        } else {
            innerFrom = self.to
            innerTo = self.to
        }
    }

    /// The start of a date's minute (or of the next minute, unless it starts one).
    static func minute(_ date: Date, roundingUp: Bool) -> Date {
        let seconds = date.timeIntervalSince1970 / 60
        return Date(timeIntervalSince1970: (roundingUp ? seconds.rounded(.up) : seconds.rounded(.down)) * 60)
    }

    /// The rows of `parts` (columns: at, key, total, errors, duration) for this window: the
    /// rollups of dimension `dim` (key: their key, or `rollupKey` when given) and the events
    /// at the edges (key: `eventKey`). Binds are appended to `bindings`.
    func parts(dim: String, rollupKey: String = "key", eventKey: String, bindings: inout PostgresBindings) -> String {
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        let (from, innerFrom, innerTo, to, dim) = (bind(from), bind(innerFrom), bind(innerTo), bind(to), bind(dim))
        return """
            SELECT minute AS at, \(rollupKey) AS key, calls AS total, CASE WHEN success THEN 0 ELSE calls END AS errors, duration_sum AS duration
            FROM audit_rollups WHERE dim = \(dim) AND minute >= \(innerFrom) AND minute < \(innerTo)
            UNION ALL
            SELECT ts, \(eventKey), 1, CASE WHEN success THEN 0 ELSE 1 END, greatest(duration_ms, 0)
            FROM audit_events WHERE (ts >= \(from) AND ts < \(innerFrom)) OR (ts >= \(innerTo) AND ts < \(to))
            """
    }

    /// The same columns from the events alone (a restricted caller's rows, or buckets finer
    /// than a minute).
    static func eventParts(from: Date, to: Date, subject: String?, eventKey: String, bindings: inout PostgresBindings) -> String {
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        let subjectCondition = subject.map { "AND user_subject = \(bind($0))" } ?? ""
        return """
            SELECT ts AS at, \(eventKey) AS key, 1 AS total, CASE WHEN success THEN 0 ELSE 1 END AS errors, greatest(duration_ms, 0) AS duration
            FROM audit_events WHERE ts >= \(bind(from)) AND ts < \(bind(to)) \(subjectCondition)
            """
    }
}
