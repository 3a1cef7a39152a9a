import Foundation
import Logging
import PostgresNIO

/// Recomputes the hash chains over a time window from the rows as stored and reports the
/// first break: which row, and whether it was modified, deleted, inserted or reordered.
///
/// - modified: the row no longer hashes to its link, and no other row of the window does;
///   or a stored link differs from its signed checkpoint (the chain was recomputed).
/// - deleted: a link's event is gone, or sequence numbers are missing (not explained by a
///   retention checkpoint).
/// - inserted: an event in the window that no chain links, or a second link at one position.
/// - reordered: the rows are intact, but a row sits where another row's link belongs.
struct ChainVerifier: Sendable {
    let client: PostgresClient
    /// Base64 Ed25519 public key the checkpoints must be signed with; nil: not checked.
    let publicKey: String?
    let logger: Logger

    struct Break: Codable, Sendable {
        var kind: String
        var chainID: String?
        var seq: Int64?
        var eventID: UUID?
        var ts: Date?
        var detail: String

        enum CodingKeys: String, CodingKey { case kind, chainID = "chain_id", seq, eventID = "event_id", ts, detail }
    }

    struct Report: Codable, Sendable {
        var verified: Bool
        var from: Date
        var to: Date
        var chains: Int
        var links: Int
        var checkpoints: Int
        /// Links after the last checkpoint of their chain in the window: chained, not yet signed.
        var linksAfterLastCheckpoint: Int
        /// Events stored before chaining began (no link, not a break).
        var unchainedBeforeChaining: Int
        var firstBreak: Break?
        var elapsedMs: Int

        enum CodingKeys: String, CodingKey {
            case verified, from, to, chains, links, checkpoints, linksAfterLastCheckpoint = "links_after_last_checkpoint"
            case unchainedBeforeChaining = "unchained_before_chaining", firstBreak = "first_break", elapsedMs = "elapsed_ms"
        }
    }

    private struct Row {
        var chainID: String
        var seq: Int64
        var eventID: UUID
        var ts: Date
        var link: [UInt8]
        var eventHash: [UInt8]?
        var payloadHash: [UInt8]?
    }

    /// `chainID`: only that chain (and no search for unlinked events). Each chain's links are
    /// streamed in sequence order, so memory does not grow with the window.
    func verify(from: Date, to: Date, chainID: String? = nil) async throws -> Report {
        let started = ContinuousClock.now
        let chainIDs = try await chainsInWindow(from: from, to: to).filter { chainID == nil || $0 == chainID }
        let checkpoints = try await checkpointsInWindow(from: from, to: to).filter { chainID == nil || $0.chainID == chainID }
        var breaks: [Break] = []
        var afterLastCheckpoint = 0
        var linkCount = 0
        for chain in chainIDs {
            let chainCheckpoints = checkpoints.filter { $0.chainID == chain }
            let lastSigned = chainCheckpoints.map(\.seq).max() ?? 0
            let outcome = try await walk(chain, from: from, to: to, checkpoints: chainCheckpoints, lastSigned: lastSigned)
            linkCount += outcome.links
            afterLastCheckpoint += outcome.afterLastCheckpoint
            if let found = outcome.firstBreak { breaks.append(found) }
        }
        let (inserted, legacy) = chainID == nil ? try await unchainedEvents(from: from, to: to) : (nil, 0)
        if let inserted { breaks.append(inserted) }
        let first = breaks.min { ($0.ts ?? .distantFuture, $0.seq ?? 0) < ($1.ts ?? .distantFuture, $1.seq ?? 0) }
        let elapsed = ContinuousClock.now - started
        return Report(
            verified: first == nil, from: from, to: to, chains: chainIDs.count, links: linkCount, checkpoints: checkpoints.count,
            linksAfterLastCheckpoint: afterLastCheckpoint, unchainedBeforeChaining: legacy, firstBreak: first,
            elapsedMs: Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        )
    }

    private struct WalkOutcome {
        var links = 0
        var afterLastCheckpoint = 0
        var firstBreak: Break?
    }

    /// Walks one chain's links of the window in sequence order, to the end of the window (for
    /// the counts) or its first break.
    private func walk(_ chainID: String, from: Date, to: Date, checkpoints: [ChainCheckpoint], lastSigned: Int64) async throws -> WalkOutcome {
        let retention = try await retentionCheckpoints(chainID)
        // Right after a bulk load the statistics of a fresh partition still say "a few rows",
        // and the planner then joins every link to the events by a nested loop over a
        // sequential scan (50,000 links took minutes). Verification reads whole windows:
        // hash joins only, set for this transaction alone. The range on the events' and
        // payloads' own `ts` (implied by the links') lets Postgres read only the window's partitions.
        return try await retryingDeadlocks {
            try await client.withTransaction(logger: logger) { connection in
                try await hashJoinsOnly(on: connection)
                var outcome = WalkOutcome()
                var previous: [UInt8] = []
                var expected: Int64 = 0
                for try await row in try await links(chainID, from: from, to: to, seqs: nil, on: connection) {
                    outcome.links += 1
                    if row.seq > lastSigned { outcome.afterLastCheckpoint += 1 }
                    guard outcome.firstBreak == nil else { continue }
                    if outcome.links == 1 {
                        expected = row.seq
                        if row.seq == 1 {
                            previous = ChainLink.genesis
                        } else if let link = try await storedLink(chainID, seq: row.seq - 1) ?? retention[row.seq - 1] {
                            previous = link
                        } else {
                            outcome.firstBreak = Break(kind: "deleted", chainID: chainID, seq: row.seq - 1, eventID: nil, ts: row.ts,
                                                       detail: "the link before this window (seq \(row.seq - 1)) is missing and no checkpoint covers it")
                            continue
                        }
                    }
                    outcome.firstBreak = try await check(
                        row, chainID, previous: &previous, expected: &expected, retention: retention, checkpoints: checkpoints, window: (from, to)
                    )
                }
                return outcome
            }
        }
    }

    /// One link against the one before it; on success `previous` and `expected` move on.
    private func check(
        _ row: Row, _ chainID: String, previous: inout [UInt8], expected: inout Int64, retention: [Int64: [UInt8]], checkpoints: [ChainCheckpoint],
        window: (Date, Date)
    ) async throws -> Break? {
        if row.seq < expected {
            return Break(kind: "inserted", chainID: chainID, seq: row.seq, eventID: row.eventID, ts: row.ts, detail: "a second link at seq \(row.seq)")
        }
        if row.seq > expected {
            // Sequence follows storage order, the window follows event time: a late event
            // (replayed from a gateway's spool) has its link outside the window. Those links
            // must all exist; a retention checkpoint also bridges a gap.
            switch try await linksOutsideWindow(chainID, from: expected, to: row.seq) {
            case .stored(let last):
                previous = last
            case .missing(let first):
                guard let bridged = retention[row.seq - 1] else {
                    return Break(kind: "deleted", chainID: chainID, seq: first, eventID: nil, ts: row.ts,
                                 detail: "link \(first) (between \(expected - 1) and \(row.seq)) is missing")
                }
                previous = bridged
            }
        }
        guard let eventHash = row.eventHash else {
            if let moved = try await eventTime(row.eventID) {
                return Break(kind: "modified", chainID: chainID, seq: row.seq, eventID: row.eventID, ts: row.ts,
                             detail: "the event's time was changed (linked at \(row.ts), now \(moved))")
            }
            return Break(kind: "deleted", chainID: chainID, seq: row.seq, eventID: row.eventID, ts: row.ts, detail: "the linked event is gone")
        }
        let computed = ChainLink.next(previous: previous, seq: row.seq, eventHash: eventHash, payloadHash: row.payloadHash)
        if computed != row.link {
            let misplaced = try await belongsElsewhere(row, chainID, previous: previous, window: window)
            return Break(kind: misplaced ? "reordered" : "modified", chainID: chainID, seq: row.seq, eventID: row.eventID, ts: row.ts,
                         detail: misplaced ? "another event belongs at this position of the chain" : "the event (or its payload) no longer matches its link")
        }
        if let checkpoint = checkpoints.first(where: { $0.seq == row.seq }), let problem = problem(with: checkpoint, storedLink: row.link) {
            return Break(kind: "modified", chainID: chainID, seq: row.seq, eventID: row.eventID, ts: row.ts, detail: problem)
        }
        previous = row.link
        expected = row.seq + 1
        return nil
    }

    /// Whether the rows are intact but out of place: another event of the window, near this
    /// position, hashes to a stored link here (searched within 5,000 positions either side).
    private func belongsElsewhere(_ row: Row, _ chainID: String, previous: [UInt8], window: (Date, Date)) async throws -> Bool {
        var neighbours: [Row] = []
        for try await other in try await links(chainID, from: window.0, to: window.1, seqs: (row.seq - 5_000)...(row.seq + 5_000)) {
            neighbours.append(other)
        }
        let stored = Set(neighbours.map(\.link))
        return neighbours.contains { other in
            guard other.eventID != row.eventID, let otherHash = other.eventHash else { return false }
            return stored.contains(ChainLink.next(previous: previous, seq: row.seq, eventHash: otherHash, payloadHash: other.payloadHash))
        }
    }

    /// Why a checkpoint does not vouch for the stored link, or nil.
    private func problem(with checkpoint: ChainCheckpoint, storedLink: [UInt8]) -> String? {
        if checkpoint.link != ChainLink.hex(storedLink) {
            return "the stored link differs from the signed checkpoint at seq \(checkpoint.seq): the chain was recomputed after a change"
        }
        guard let publicKey else { return nil }
        guard checkpoint.signature != nil else { return "the checkpoint at seq \(checkpoint.seq) is not signed" }
        if checkpoint.keyID != ChainSigner.keyID(publicKey: Data(base64Encoded: publicKey) ?? Data()) { return nil }  // an older key
        return ChainSigner.verify(checkpoint, publicKeyBase64: publicKey) ? nil : "the checkpoint at seq \(checkpoint.seq) has an invalid signature"
    }

    /// A chain's links in the window (optionally only `seqs`), with the hashes of their rows
    /// as stored now, in sequence order, streamed.
    private func links(
        _ chainID: String, from: Date, to: Date, seqs: ClosedRange<Int64>?, on connection: PostgresConnection? = nil
    ) async throws -> some AsyncSequence<Row, any Error> {
        let lower = seqs?.lowerBound ?? Int64.min
        let upper = seqs?.upperBound ?? Int64.max
        let query: PostgresQuery =
            """
            SELECT l.seq, l.event_id, l.ts, l.link,
                CASE WHEN e.id IS NULL THEN NULL ELSE sha256(convert_to(audit_event_canonical(e), 'UTF8')) END,
                CASE WHEN p.event_id IS NULL THEN NULL ELSE sha256(convert_to(audit_payload_canonical(p), 'UTF8')) END
            FROM audit_chain_links l
            LEFT JOIN audit_events e ON e.id = l.event_id AND e.ts = l.ts AND e.ts >= \(from) AND e.ts < \(to)
            LEFT JOIN audit_payloads p ON p.event_id = l.event_id AND p.ts = l.ts AND p.ts >= \(from) AND p.ts < \(to)
            WHERE l.chain_id = \(chainID) AND l.ts >= \(from) AND l.ts < \(to) AND l.seq >= \(lower) AND l.seq <= \(upper)
            ORDER BY l.seq, l.ts
            """
        let rows = if let connection { try await connection.query(query, logger: logger) } else { try await client.query(query, logger: logger) }
        return rows.decode((Int64, UUID, Date, Data, Data?, Data?).self).map { seq, event, ts, link, eventHash, payloadHash in
            Row(chainID: chainID, seq: seq, eventID: event, ts: ts, link: Array(link), eventHash: eventHash.map(Array.init), payloadHash: payloadHash.map(Array.init))
        }
    }

    private func chainsInWindow(from: Date, to: Date) async throws -> [String] {
        let rows = try await client.query("SELECT DISTINCT chain_id FROM audit_chain_links WHERE ts >= \(from) AND ts < \(to) ORDER BY chain_id", logger: logger)
        var result: [String] = []
        for try await chain in rows.decode(String.self) { result.append(chain) }
        return result
    }

    private func checkpointsInWindow(from: Date, to: Date) async throws -> [ChainCheckpoint] {
        try await ChainCheckpointQuery.list(client: client, from: from, to: to, logger: logger)
    }

    private func retentionCheckpoints(_ chainID: String) async throws -> [Int64: [UInt8]] {
        let rows = try await client.query("SELECT seq, link FROM audit_checkpoints WHERE chain_id = \(chainID) AND retention", logger: logger)
        var result: [Int64: [UInt8]] = [:]
        for try await (seq, link) in rows.decode((Int64, Data).self) { result[seq] = Array(link) }
        return result
    }

    private enum Bridge {
        /// Every link is stored: the last one.
        case stored([UInt8])
        /// The first one that is not.
        case missing(Int64)
    }

    /// The links `from..<to` of a chain, whose events fall outside the window.
    private func linksOutsideWindow(_ chainID: String, from: Int64, to: Int64) async throws -> Bridge {
        let rows = try await client.query(
            "SELECT DISTINCT ON (seq) seq, link FROM audit_chain_links WHERE chain_id = \(chainID) AND seq >= \(from) AND seq < \(to) ORDER BY seq, ts",
            logger: logger
        )
        var expected = from
        var last: [UInt8] = []
        for try await (seq, link) in rows.decode((Int64, Data).self) {
            guard seq == expected else { return .missing(expected) }
            expected += 1
            last = Array(link)
        }
        return expected == to ? .stored(last) : .missing(expected)
    }

    private func storedLink(_ chainID: String, seq: Int64) async throws -> [UInt8]? {
        let rows = try await client.query("SELECT link FROM audit_chain_links WHERE chain_id = \(chainID) AND seq = \(seq) ORDER BY ts LIMIT 1", logger: logger).collect()
        return try rows.first.map { Array(try $0.decode(Data.self)) }
    }

    private func eventTime(_ id: UUID) async throws -> Date? {
        let rows = try await client.query("SELECT ts FROM audit_events WHERE id = \(id) LIMIT 1", logger: logger).collect()
        return try rows.first?.decode(Date.self)
    }

    /// Turns merge joins and nested loops off for the rest of the transaction, in one round trip.
    /// A merge join keyed on `ts` alone rescans every row of an equal time for each event of
    /// that time: quadratic when many events share a millisecond (a window of 333,334 such
    /// events ran for over an hour). Hash joins on (id, ts) are linear.
    private func hashJoinsOnly(on connection: PostgresConnection) async throws {
        try await connection.query(
            "SELECT set_config('enable_mergejoin', 'off', true), set_config('enable_nestloop', 'off', true)",
            logger: logger
        )
    }

    /// Events in the window that no chain links: the first one stored after chaining began is
    /// a break (inserted); those from before are only counted.
    private func unchainedEvents(from: Date, to: Date) async throws -> (Break?, Int) {
        try await client.withTransaction(logger: logger) { connection in
            // As in `walk`: a merge anti-join keyed on `ts` alone is quadratic in the events
            // that share a time, and a nested loop chosen on a fresh partition's stale
            // statistics scans the links once per event (a 50,000-event window ran for minutes
            // in the benchmark). A hash anti-join is linear; the links' own range lets
            // Postgres read only the window.
            try await hashJoinsOnly(on: connection)
            let rows = try await connection.query(
                """
                SELECT e.id, e.ts, e.ts < (SELECT min(started_at) FROM audit_chain_meta) FROM audit_events e
                WHERE e.ts >= \(from) AND e.ts < \(to)
                  AND NOT EXISTS (SELECT 1 FROM audit_chain_links l WHERE l.event_id = e.id AND l.ts = e.ts AND l.ts >= \(from) AND l.ts < \(to))
                ORDER BY e.ts
                """,
                logger: logger
            )
            var legacy = 0
            var first: Break?
            for try await (id, ts, beforeChaining) in rows.decode((UUID, Date, Bool).self) {
                if beforeChaining {
                    legacy += 1
                } else if first == nil {
                    first = Break(kind: "inserted", chainID: nil, seq: nil, eventID: id, ts: ts, detail: "an event that no chain links")
                }
            }
            return (first, legacy)
        }
    }
}

/// Reads checkpoints (for verification, the portal and offline verification).
enum ChainCheckpointQuery {
    static func list(client: PostgresClient, from: Date, to: Date, logger: Logger) async throws -> [ChainCheckpoint] {
        let rows = try await client.query(
            """
            SELECT chain_id, seq, link, ts, signed_at, key_id, signature, retention FROM audit_checkpoints
            WHERE ts >= \(from) AND ts < \(to) ORDER BY chain_id, seq
            """,
            logger: logger
        )
        var result: [ChainCheckpoint] = []
        for try await (chain, seq, link, ts, signedAt, keyID, signature, retention) in rows.decode((String, Int64, Data, Date, Date, String?, Data?, Bool).self) {
            result.append(ChainCheckpoint(
                chainID: chain, seq: seq, link: ChainLink.hex(Array(link)), ts: ts, signedAt: signedAt, keyID: keyID,
                signature: signature?.base64EncodedString(), retention: retention
            ))
        }
        return result
    }
}
