import Foundation
import Logging
import NIOCore
import PostgresNIO
import SharedProto

/// Writes audit events. A batch is one transaction: the events and payloads are copied into
/// the tables (`AuditCopy`), straight in first; a batch that holds an event stored before (a
/// redelivery) is rolled back and written again through staging tables with `ON CONFLICT DO
/// NOTHING`, so a redelivered event is stored once. Events are written as `storable` (no U+0000,
/// which Postgres refuses).
///
/// The same transaction adds the new events to the per-minute rollups (`AuditRollups`), in one
/// upsert at its end.
///
/// With a `chain`, the same transaction also links every new event into the consumer's hash
/// chain (`ChainLink`): the chain's head row is locked, the rows' canonical texts are hashed
/// (computed here by `CanonicalRow` for rows copied straight in, by Postgres for staged rows and
/// for JSON left to it), the links are written, the head moves, and a signed checkpoint is added
/// when one is due. A redelivered event that already exists gets no second link.
struct AuditStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    var chain: ChainSettings?

    /// Which chain this store extends, and how often it is checkpointed.
    struct ChainSettings: Sendable {
        var chainID: String
        var signer: ChainSigner
        var checkpointEvery: Int
        var checkpointInterval: Duration
    }

    private struct Head {
        var seq: Int64
        var link: [UInt8]
        var checkpointedSeq: Int64
        var checkpointedAt: Date
        var lastTs: Date?
    }

    /// Stores `events`; returns how many were new.
    @discardableResult
    func insert(_ events: [AuditEvent]) async throws -> Int {
        guard !events.isEmpty else { return 0 }
        // A batch can hold an entry and its redelivery: stored once, the rows keyed by id below
        // (rollups, chain links) must see it once too.
        var seen = Set<UUID>()
        let events = events.filter { seen.insert($0.id).inserted }.map(\.storable)
        do {
            return try await insert(events, through: .tables)
        } catch where Self.isDuplicate(error) {
            return try await insert(events, through: .staging)
        }
    }

    private func insert(_ events: [AuditEvent], through target: AuditCopy.Target) async throws -> Int {
        try await client.withTransaction(logger: logger) { connection in
            var head: Head?
            if let chain { head = try await lockHead(chain.chainID, on: connection) }
            var inserted = 0
            var rollups = AuditRollups([])
            // Bounded so the COPY buffers and the uuid arrays stay small.
            for (index, start) in stride(from: 0, to: events.count, by: 1000).enumerated() {
                let chunk = Array(events[start..<min(start + 1000, events.count)])
                let (eventHashes, payloadHashes) = try await write(chunk, through: target, first: index == 0, on: connection)
                inserted += eventHashes.count
                for event in chunk where eventHashes[event.id] != nil { rollups.add(event) }
                if let chain, var current = head {
                    // Links follow the batch's order (the stream's order).
                    var links: [(seq: Int64, id: UUID, ts: Date, link: [UInt8])] = []
                    for event in chunk {
                        guard let eventHash = eventHashes[event.id] else { continue }
                        current.seq += 1
                        current.link = ChainLink.next(previous: current.link, seq: current.seq, eventHash: eventHash, payloadHash: payloadHashes[event.id])
                        current.lastTs = event.timestamp
                        links.append((current.seq, event.id, event.timestamp, current.link))
                    }
                    if !links.isEmpty {
                        try await AuditCopy.copyLinks(chain: chain.chainID, links, on: connection, logger: logger)
                    }
                    head = current
                }
            }
            // Last, so the shared rollup rows stay locked only until the commit: consumers that
            // add to the same minute and tool wait for each other from here on, not for each
            // other's whole batch (upserted after the first chunk, the lock serialised them).
            if let upsert = rollups.upsert {
                try await connection.query(upsert, logger: logger)
            }
            if let chain, let head {
                try await advance(chain, to: head, on: connection)
            }
            return inserted
        }
    }

    /// Writes one chunk; returns the canonical hashes of the events it stored and of their payloads.
    private func write(
        _ chunk: [AuditEvent], through target: AuditCopy.Target, first: Bool, on connection: PostgresConnection
    ) async throws -> (events: [UUID: [UInt8]], payloads: [UUID: [UInt8]]) {
        var eventHashes: [UUID: [UInt8]] = [:]
        var payloadHashes: [UUID: [UInt8]] = [:]
        switch target {
        case .tables:
            try await AuditCopy.copy(chunk, into: .tables, on: connection, logger: logger)
            // The copy stored every row of the chunk (or threw), so the hashes of the rows as
            // stored are those of their canonical texts, computed here. A row whose JSON is left
            // to Postgres (`JSONBText`) is read back instead.
            var readEvents: [AuditEvent] = []
            var readPayloads: [AuditEvent] = []
            for event in chunk {
                if let text = CanonicalRow.event(event) { eventHashes[event.id] = ChainLink.contentHash(text) } else { readEvents.append(event) }
                guard let payload = event.payload else { continue }
                if let text = CanonicalRow.payload(payload, of: event) { payloadHashes[event.id] = ChainLink.contentHash(text) } else { readPayloads.append(event) }
            }
            try await readBack(readEvents, readPayloads, into: &eventHashes, &payloadHashes, on: connection)
        case .staging:
            try await AuditCopy.prepareStaging(empty: !first, on: connection, logger: logger)
            try await AuditCopy.copy(chunk, into: .staging, on: connection, logger: logger)
            for try await (id, hash) in try await connection.query(AuditCopy.eventsInsert, logger: logger).decode((UUID, Data).self) {
                eventHashes[id] = Array(hash)
            }
            let newIDs = Array(eventHashes.keys)
            if !newIDs.isEmpty, chunk.contains(where: { $0.payload != nil }) {
                for try await (id, hash) in try await connection.query(AuditCopy.payloadsInsert(newIDs), logger: logger).decode((UUID, Data).self) {
                    payloadHashes[id] = Array(hash)
                }
            }
        }
        return (eventHashes, payloadHashes)
    }

    /// Reads the hashes of stored rows back from Postgres. Every row is read back (a NULL hash
    /// would be a row that is not there), or the chain would silently skip an event. The rows are
    /// collected before they are checked: throwing inside the stream would leave it unread and
    /// the connection busy.
    private func readBack(
        _ events: [AuditEvent], _ payloads: [AuditEvent], into eventHashes: inout [UUID: [UInt8]], _ payloadHashes: inout [UUID: [UInt8]],
        on connection: PostgresConnection
    ) async throws {
        if !events.isEmpty {
            for row in try await connection.query(AuditCopy.eventHashes(events), logger: logger).collect() {
                let (id, hash) = try row.decode((UUID, Data?).self)
                guard let hash else { throw AuditChainError(message: "event \(id) was copied but cannot be read back") }
                eventHashes[id] = Array(hash)
            }
        }
        if !payloads.isEmpty {
            for row in try await connection.query(AuditCopy.payloadHashes(payloads), logger: logger).collect() {
                let (id, hash) = try row.decode((UUID, Data?).self)
                guard let hash else { throw AuditChainError(message: "the payload of event \(id) was copied but cannot be read back") }
                payloadHashes[id] = Array(hash)
            }
        }
    }

    /// Writes a checkpoint for the chain's head if links were added since the last one and
    /// `checkpointInterval` has passed (called while the consumer is idle, so a quiet chain's
    /// last links are signed too).
    func checkpointIfDue() async throws {
        guard let chain else { return }
        try await client.withTransaction(logger: logger) { connection in
            let head = try await lockHead(chain.chainID, on: connection)
            try await advance(chain, to: head, on: connection)
        }
    }

    /// The chain's head, row-locked for this transaction (created at the genesis link).
    private func lockHead(_ chainID: String, on connection: PostgresConnection) async throws -> Head {
        try await connection.query(
            "INSERT INTO audit_chain_heads (chain_id, seq, link) VALUES (\(chainID), 0, \(ByteBuffer(bytes: ChainLink.genesis))) ON CONFLICT (chain_id) DO NOTHING",
            logger: logger
        )
        // Collected whole: a row stream left before its end would leave the connection busy.
        let rows = try await connection.query(
            "SELECT seq, link, checkpointed_seq, checkpointed_at FROM audit_chain_heads WHERE chain_id = \(chainID) FOR UPDATE", logger: logger
        ).collect()
        guard let row = rows.first else { throw AuditChainError(message: "chain head \(chainID) vanished") }
        let (seq, link, checkpointedSeq, checkpointedAt) = try row.decode((Int64, Data, Int64, Date).self)
        return Head(seq: seq, link: Array(link), checkpointedSeq: checkpointedSeq, checkpointedAt: checkpointedAt)
    }

    /// Stores the new head, and a signed checkpoint when `checkpointEvery` links or
    /// `checkpointInterval` have passed since the last one.
    private func advance(_ chain: ChainSettings, to head: Head, on connection: PostgresConnection) async throws {
        let pending = head.seq - head.checkpointedSeq
        let interval = Double(chain.checkpointInterval.components.seconds) + Double(chain.checkpointInterval.components.attoseconds) / 1e18
        let due = pending >= Int64(chain.checkpointEvery) || (pending > 0 && Date().timeIntervalSince(head.checkpointedAt) >= interval)
        if due {
            var ts = head.lastTs
            if ts == nil { ts = try await linkTime(chain.chainID, seq: head.seq, on: connection) }
            let checkpoint = try Self.checkpoint(chain: chain, seq: head.seq, link: head.link, ts: ts ?? Date(), retention: false)
            try await connection.query(Self.checkpointInsert(checkpoint), logger: logger)
            try await connection.query(
                "UPDATE audit_chain_heads SET seq = \(head.seq), link = \(ByteBuffer(bytes: head.link)), checkpointed_seq = \(head.seq), checkpointed_at = now() WHERE chain_id = \(chain.chainID)",
                logger: logger
            )
        } else {
            try await connection.query(
                "UPDATE audit_chain_heads SET seq = \(head.seq), link = \(ByteBuffer(bytes: head.link)) WHERE chain_id = \(chain.chainID)", logger: logger
            )
        }
    }

    private func linkTime(_ chainID: String, seq: Int64, on connection: PostgresConnection) async throws -> Date? {
        let rows = try await connection.query("SELECT ts FROM audit_chain_links WHERE chain_id = \(chainID) AND seq = \(seq) LIMIT 1", logger: logger).collect()
        return try rows.first?.decode(Date.self)
    }

    static func checkpoint(chain: ChainSettings, seq: Int64, link: [UInt8], ts: Date, retention: Bool) throws -> ChainCheckpoint {
        let hex = ChainLink.hex(link)
        return ChainCheckpoint(
            chainID: chain.chainID, seq: seq, link: hex, ts: ts, signedAt: Date(), keyID: chain.signer.keyID,
            signature: try chain.signer.sign(ChainCheckpoint.message(chainID: chain.chainID, seq: seq, link: hex)), retention: retention
        )
    }

    /// `markRetention`: an existing checkpoint at the same position is marked as a retention one.
    static func checkpointInsert(_ checkpoint: ChainCheckpoint, markRetention: Bool = false) -> PostgresQuery {
        let signature = checkpoint.signature.flatMap { Data(base64Encoded: $0) }.map { ByteBuffer(bytes: $0) }
        let link = ByteBuffer(bytes: ChainLink.bytes(hex: checkpoint.link) ?? [])
        return """
            INSERT INTO audit_checkpoints (chain_id, seq, link, ts, signed_at, key_id, signature, retention)
            VALUES (\(checkpoint.chainID), \(checkpoint.seq), \(link), \(checkpoint.ts), \(checkpoint.signedAt), \(checkpoint.keyID), \(signature), \(checkpoint.retention))
            ON CONFLICT (chain_id, seq) DO UPDATE SET retention = audit_checkpoints.retention OR \(markRetention)
            """
    }

    /// Whether a batch failed because one of its events was stored before (SQLSTATE 23505 on
    /// a primary key): the batch is then written again the staged way, which skips those.
    static func isDuplicate(_ error: any Error) -> Bool {
        let cause = (error as? PostgresTransactionError)?.closureError ?? error
        return (cause as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }

    /// Why Postgres refused the data of a batch (SQLSTATE class 22, data exception, e.g. JSON
    /// it cannot read), or `nil` for other failures (connection, server), which are retried.
    static func refusedData(_ error: any Error) -> String? {
        let cause = (error as? PostgresTransactionError)?.closureError ?? error
        if let refusal = cause as? CopyTextError { return refusal.message }
        guard let error = cause as? PSQLError, let state = error.serverInfo?[.sqlState], state.hasPrefix("22") else { return nil }
        return "\(state) \(error.serverInfo?[.message] ?? "")"
    }
}

struct AuditChainError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
