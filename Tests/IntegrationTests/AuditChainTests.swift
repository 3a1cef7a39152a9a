@testable import Audit
import Foundation
import Logging
import PostgresNIO
import SharedProto
import Testing
import TollgateCore

extension AuditTableSuites {
    /// The tamper-evident trail against real Postgres: a chain written by `AuditStore`, tampered
    /// with directly as the superuser, and the verifier naming what was done.
    ///
    /// Each test writes its own chain at its own minute far in the future, so the shared test
    /// database's other events never fall in its window.
    @Suite(.serialized, .timeLimit(.minutes(3))) struct AuditChainTests {
        static let signer = try! ChainSigner(seedBase64: Data(repeating: 7, count: 32).base64EncodedString())

        struct Seeded {
            var chainID: String
            var ids: [UUID]
            var from: Date
            var to: Date
        }

        /// 40 events with payloads, in 4 batches, checkpointed every 10 links.
        static func seed(_ client: PostgresClient, at start: Date? = nil, count: Int = 40) async throws -> Seeded {
            try await Migrator(schema: "audit", migrations: AuditMigrations.all, logger: TestEnvironment.logger).run(on: client)
            let chainID = "test-\(UUID().uuidString.prefix(8).lowercased())"
            let start = start ?? Date(timeIntervalSince1970: 1_900_000_000 + Double(Int.random(in: 0..<10_000_000)) * 60)
            let store = AuditStore(
                client: client, logger: TestEnvironment.logger,
                chain: .init(chainID: chainID, signer: signer, checkpointEvery: 10, checkpointInterval: .seconds(3600))
            )
            var ids: [UUID] = []
            for batch in 0..<(count / 10) {
                let events = (0..<10).map { index in
                    AuditEvent(
                        timestamp: start.addingTimeInterval(Double(batch * 10 + index) * 0.5), durationMs: 3, toolName: "chain-tool-\(index)",
                        parameters: #"{"n": \#(index), "s": "é\#(batch)"}"#, success: index % 3 != 0,
                        payload: AuditPayload(requestParams: #"{"n": \#(index)}"#, responseResult: #"{"content": [{"type": "text", "text": "ok"}]}"#)
                    )
                }
                ids += events.map(\.id)
                try await store.insert(events)
            }
            return Seeded(chainID: chainID, ids: ids, from: start.addingTimeInterval(-1), to: start.addingTimeInterval(Double(count)))
        }

        static func verify(_ client: PostgresClient, _ seeded: Seeded, chainOnly: Bool = false) async throws -> ChainVerifier.Report {
            try await ChainVerifier(client: client, publicKey: signer.publicKeyBase64, logger: TestEnvironment.logger)
                .verify(from: seeded.from, to: seeded.to, chainID: chainOnly ? seeded.chainID : nil)
        }

        /// Runs `sql` as the superuser, as an attacker with database access would.
        static func tamper(_ sql: PostgresQuery) async throws {
            try await TestEnvironment.withClient(try TestEnvironment.superuserConfiguration()) { superuser in
                try await superuser.query(sql, logger: TestEnvironment.logger)
            }
        }

        @Test func anUntouchedTrailVerifies() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                let seeded = try await Self.seed(client)
                let report = try await Self.verify(client, seeded)
                #expect(report.verified, "\(String(describing: report.firstBreak))")
                #expect(report.links == 40 && report.chains == 1 && report.checkpoints == 4 && report.linksAfterLastCheckpoint == 0)
                let checkpoints = try await ChainCheckpointQuery.list(client: client, from: seeded.from, to: seeded.to, logger: TestEnvironment.logger)
                #expect(checkpoints.allSatisfy { ChainSigner.verify($0, publicKeyBase64: Self.signer.publicKeyBase64!) })
            }
        }

        @Test func aModifiedEventIsNamed() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                let seeded = try await Self.seed(client)
                try await Self.tamper("UPDATE audit.audit_events SET success = NOT success WHERE id = \(seeded.ids[13])")
                let report = try await Self.verify(client, seeded)
                #expect(!report.verified)
                #expect(report.firstBreak?.kind == "modified" && report.firstBreak?.eventID == seeded.ids[13] && report.firstBreak?.seq == 14)
            }
        }

        @Test func aModifiedPayloadIsNamed() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                let seeded = try await Self.seed(client)
                try await Self.tamper(#"UPDATE audit.audit_payloads SET response_result = '{"content": []}' WHERE event_id = \#(seeded.ids[25])"#)
                let report = try await Self.verify(client, seeded)
                #expect(report.firstBreak?.kind == "modified" && report.firstBreak?.eventID == seeded.ids[25])
            }
        }

        @Test func aDeletedEventIsNamed() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                let seeded = try await Self.seed(client)
                try await Self.tamper("DELETE FROM audit.audit_events WHERE id = \(seeded.ids[7])")
                var report = try await Self.verify(client, seeded)
                #expect(report.firstBreak?.kind == "deleted" && report.firstBreak?.eventID == seeded.ids[7])
                // Deleting its link as well leaves a gap in the sequence: still deleted.
                try await Self.tamper("DELETE FROM audit.audit_chain_links WHERE event_id = \(seeded.ids[7])")
                report = try await Self.verify(client, seeded)
                #expect(report.firstBreak?.kind == "deleted" && report.firstBreak?.seq == 8)
            }
        }

        @Test func anInsertedEventIsNamed() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                let seeded = try await Self.seed(client)
                let forged = UUID()
                let ts = seeded.from.addingTimeInterval(5.25)
                try await Self.tamper(
                    """
                    INSERT INTO audit.audit_events (id, ts, duration_ms, tool_name, success, transport, source)
                    VALUES (\(forged), \(ts), 1, 'forged', true, 'http', 'mcp')
                    """
                )
                let report = try await Self.verify(client, seeded)
                #expect(report.firstBreak?.kind == "inserted" && report.firstBreak?.eventID == forged)
            }
        }

        @Test func reorderedEventsAreNamed() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                let seeded = try await Self.seed(client)
                // Swap the events two consecutive links point at.
                let (a, b) = (seeded.ids[21], seeded.ids[22])
                try await Self.tamper(
                    """
                    UPDATE audit.audit_chain_links l SET event_id = CASE WHEN l.event_id = \(a) THEN \(b) ELSE \(a) END,
                        ts = (SELECT e.ts FROM audit.audit_events e WHERE e.id = CASE WHEN l.event_id = \(a) THEN \(b) ELSE \(a) END)
                    WHERE l.event_id IN (\(a), \(b))
                    """
                )
                let report = try await Self.verify(client, seeded)
                #expect(report.firstBreak?.kind == "reordered" && report.firstBreak?.seq == 22, "\(String(describing: report.firstBreak))")
            }
        }

        @Test func aRecomputedChainIsCaughtByItsSignedCheckpoint() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                let seeded = try await Self.seed(client)
                // The attacker changes an event and recomputes every later link (the arithmetic is
                // public); only the signed checkpoints, whose key is not in the database, disagree.
                try await Self.tamper("UPDATE audit.audit_events SET tool_name = 'rewritten' WHERE id = \(seeded.ids[31])")
                let rows = try await client.query(
                    """
                    SELECT l.seq, l.link, sha256(convert_to(audit_event_canonical(e), 'UTF8')), sha256(convert_to(audit_payload_canonical(p), 'UTF8'))
                    FROM audit_chain_links l JOIN audit_events e ON e.id = l.event_id AND e.ts = l.ts
                    LEFT JOIN audit_payloads p ON p.event_id = l.event_id AND p.ts = l.ts
                    WHERE l.chain_id = \(seeded.chainID) ORDER BY l.seq
                    """
                ).collect()
                var previous = ChainLink.genesis
                for row in rows {
                    let (seq, stored, eventHash, payloadHash) = try row.decode((Int64, Data, Data, Data?).self)
                    let link = seq >= 32 ? ChainLink.next(previous: previous, seq: seq, eventHash: Array(eventHash), payloadHash: payloadHash.map(Array.init)) : Array(stored)
                    if seq >= 32 {
                        try await Self.tamper("UPDATE audit.audit_chain_links SET link = \(ByteBuffer(bytes: link)) WHERE chain_id = \(seeded.chainID) AND seq = \(seq)")
                    }
                    previous = link
                }
                let report = try await Self.verify(client, seeded)
                #expect(report.firstBreak?.kind == "modified" && report.firstBreak?.seq == 40)
                #expect(report.firstBreak?.detail.contains("checkpoint") == true)
            }
        }

        @Test func lateEventsOutsideTheWindowDoNotBreakIt() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                var seeded = try await Self.seed(client, count: 20)
                // Events replayed late (from a gateway's spool): stored now, stamped an hour earlier,
                // so their links sit in the chain between links whose events are in the window.
                let store = AuditStore(
                    client: client, logger: TestEnvironment.logger,
                    chain: .init(chainID: seeded.chainID, signer: Self.signer, checkpointEvery: 10, checkpointInterval: .seconds(3600))
                )
                let late = (0..<5).map { AuditEvent(timestamp: seeded.from.addingTimeInterval(-3600 + Double($0)), durationMs: 1, toolName: "late", success: true) }
                try await store.insert(late)
                try await store.insert((0..<5).map { AuditEvent(timestamp: seeded.from.addingTimeInterval(15 + Double($0) * 0.1), durationMs: 1, toolName: "after", success: true) })
                var report = try await Self.verify(client, seeded)
                #expect(report.verified, "\(String(describing: report.firstBreak))")
                #expect(report.links == 25)
                // A late link that is really gone is still a deletion.
                try await Self.tamper("DELETE FROM audit.audit_chain_links WHERE event_id = \(late[2].id)")
                report = try await Self.verify(client, seeded)
                #expect(report.firstBreak?.kind == "deleted" && report.firstBreak?.seq == 23)
                // With the late events in the window, the one whose link is gone is an event no
                // chain links (the earliest break).
                seeded.from = seeded.from.addingTimeInterval(-3601)
                report = try await Self.verify(client, seeded)
                #expect(report.firstBreak?.kind == "inserted" && report.firstBreak?.eventID == late[2].id)
            }
        }

        @Test func retentionLeavesTheTrailVerifiable() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                // Links 1-20 are 40 days old (their partition is dropped), 21-40 are recent.
                let manager = PartitionManager(client: client, retentionDays: 30, partitionsAhead: 2, signer: Self.signer, logger: TestEnvironment.logger)
                let old = PartitionManager.startOfDay(Date().addingTimeInterval(-40 * 86_400)).addingTimeInterval(3_600)
                _ = try await manager.maintain(now: old)
                var seeded = try await Self.seed(client, at: old, count: 20)
                let store = AuditStore(
                    client: client, logger: TestEnvironment.logger,
                    chain: .init(chainID: seeded.chainID, signer: Self.signer, checkpointEvery: 10, checkpointInterval: .seconds(3600))
                )
                let recent = Date().addingTimeInterval(-60)
                try await store.insert((0..<20).map { AuditEvent(timestamp: recent.addingTimeInterval(Double($0)), durationMs: 1, toolName: "recent", success: true) })
                _ = try await manager.maintain()
                let left = try await client.query("SELECT count(*)::int FROM audit_chain_links WHERE chain_id = \(seeded.chainID)").collect().first?.decode(Int.self)
                #expect(left == 20)
                seeded.from = recent.addingTimeInterval(-1)
                seeded.to = recent.addingTimeInterval(30)
                let report = try await Self.verify(client, seeded, chainOnly: true)
                #expect(report.verified, "\(String(describing: report.firstBreak))")
                #expect(report.links == 20)
            }
        }
    }
}
