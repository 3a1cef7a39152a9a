@testable import Audit
import Foundation
import PostgresNIO
import SharedProto
import Testing
import TollgateCore

extension AuditTableSuites {
    /// Both ways a batch is copied into the audit tables (`AuditCopy`): straight in, and through
    /// the staging tables when the batch holds a redelivered event. What COPY's text format gives
    /// a meaning to (tab, newline, carriage return, backslash, `\N`, `\.`) must arrive as data,
    /// and a redelivery must be stored and linked once.
    @Suite(.serialized, .timeLimit(.minutes(3))) struct AuditCopyTests {
        static let hostile = "tab\there\nnew line\r\nCR \\ backslash \\N null marker\n\\.\nend of data? \\t not a tab é 😀"

        static func event(at ts: Date, _ index: Int) -> AuditEvent {
            let json = #"{"text": "a\tb\nc\\N\\.\r", "nested": {"k\n": ["\\", "\u0009"]}, "n": \#(index)}"#
            return AuditEvent(
                timestamp: ts.addingTimeInterval(Double(index) * 0.001), durationMs: 5, requestID: hostile, sessionID: "s\t\(index)",
                userSubject: hostile, userEmail: "e\\@x", authType: "api_key", apiKeyName: "k\n", toolName: "copy-\(index)\t",
                toolGroup: "\\.", parameters: json, success: index % 2 == 0, errorMessage: hostile, errorCategory: "\r",
                requestChars: index, transport: "http", source: "mcp", remoteAddr: "10.0.0.1", userAgent: hostile, traceID: "\\N",
                payload: AuditPayload(
                    requestParams: json, requestHeaders: #"{"x-h": "v\nInjected: 1"}"#, requestRemoteAddr: "\\\t",
                    responseResult: json, responseError: nil, notifications: "[\(json)]"
                )
            )
        }

        /// Asserts the stored row of `event` holds its text byte for byte and its JSON as JSON.
        static func expectStored(_ event: AuditEvent, _ client: PostgresClient) async throws {
            let rows = try await client.query(
                """
                SELECT e.request_id, e.session_id, e.user_subject, e.user_email, e.api_key_name, e.tool_name, e.tool_group,
                       e.error_message, e.error_category, e.user_agent, e.trace_id, p.request_remote_addr,
                       e.parameters = \(event.parameters)::jsonb, p.request_params = \(event.payload?.requestParams)::jsonb,
                       p.request_headers = \(event.payload?.requestHeaders)::jsonb, p.response_result = \(event.payload?.responseResult)::jsonb,
                       p.notifications = \(event.payload?.notifications)::jsonb
                FROM audit_events e JOIN audit_payloads p ON p.event_id = e.id AND p.ts = e.ts WHERE e.id = \(event.id)
                """,
                logger: TestEnvironment.logger
            ).collect()
            #expect(rows.count == 1)
            guard let row = rows.first else { return }
            let columns = row.makeRandomAccess()
            let texts = try (0..<12).map { try columns[$0].decode(String?.self) }
            let want: [String?] = [
                event.requestID, event.sessionID, event.userSubject, event.userEmail, event.apiKeyName, event.toolName, event.toolGroup,
                event.errorMessage, event.errorCategory, event.userAgent, event.traceID, event.payload?.requestRemoteAddr,
            ]
            #expect(texts == want)
            for index in 12..<17 { #expect(try columns[index].decode(Bool.self), "JSON column \(index - 12)") }
        }

        /// A store with its own chain, and a minute far in the future no other test writes to.
        static func chainedStore(_ client: PostgresClient, checkpointEvery: Int) async throws -> (AuditStore, String, Date) {
            try await Migrator(schema: "audit", migrations: AuditMigrations.all, logger: TestEnvironment.logger).run(on: client)
            let chainID = "copy-\(UUID().uuidString.prefix(8).lowercased())"
            let store = AuditStore(
                client: client, logger: TestEnvironment.logger,
                chain: .init(chainID: chainID, signer: AuditChainTests.signer, checkpointEvery: checkpointEvery, checkpointInterval: .seconds(3600))
            )
            return (store, chainID, Date(timeIntervalSince1970: 1_950_000_000 + Double(Int.random(in: 0..<10_000_000)) * 60))
        }

        @Test func hostileTextArrivesByteForByteBothWays() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                let (store, chainID, start) = try await Self.chainedStore(client, checkpointEvery: 100)
                let events = (0..<6).map { Self.event(at: start, $0) }
                #expect(try await store.insert(Array(events[0..<3])) == 3)  // straight in
                #expect(try await store.insert(Array(events[1..<6])) == 3)  // 1 and 2 redelivered: staged
                for event in events { try await Self.expectStored(event.storable, client) }
                let report = try await ChainVerifier(client: client, publicKey: AuditChainTests.signer.publicKeyBase64, logger: TestEnvironment.logger)
                    .verify(from: start.addingTimeInterval(-1), to: start.addingTimeInterval(1), chainID: chainID)
                #expect(report.verified && report.links == 6, "\(String(describing: report.firstBreak))")
            }
        }

        @Test func eachHashIsReadBackByIdAndTime() async throws {
            // Events sharing one time, read back on statistics that saw only distinct times:
            // the planner took the index on time alone and scanned every event of that time
            // once per event (the pipeline benchmark fell from 8,580 to 1,108 events/s).
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                let (store, _, start) = try await Self.chainedStore(client, checkpointEvery: 1_000)
                func events(_ count: Int, at offset: (Int) -> TimeInterval) -> [AuditEvent] {
                    (0..<count).map { AuditEvent(timestamp: start.addingTimeInterval(offset($0)), durationMs: 1, toolName: "same-time", success: true) }
                }
                #expect(try await store.insert(events(500) { Double($0) }) == 500)
                try await client.query("ANALYZE audit_events", logger: TestEnvironment.logger)
                let sameTime = events(200) { _ in 1_000 }
                #expect(try await store.insert(sameTime) == 200)
                let readBack = AuditCopy.eventHashes(sameTime)
                let plan = try await client.query(PostgresQuery(unsafeSQL: "EXPLAIN " + readBack.sql, binds: readBack.binds), logger: TestEnvironment.logger)
                    .collect().map { try $0.decode(String.self) }
                let lookups = plan.filter { $0.contains("Index Cond") }
                #expect(!lookups.isEmpty, "\(plan)")
                #expect(lookups.allSatisfy { $0.contains("id = k.id") && $0.contains("ts = k.ts") }, "\(plan.joined(separator: "\n"))")
            }
        }

        @Test func aRedeliveryInsideALargeBatchIsStoredAndLinkedOnce() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                let (store, chainID, start) = try await Self.chainedStore(client, checkpointEvery: 500)
                let events = (0..<2_300).map { index in
                    AuditEvent(
                        timestamp: start.addingTimeInterval(Double(index) * 0.01), durationMs: 1, toolName: "bulk", parameters: #"{"i": \#(index)}"#,
                        success: true, payload: index % 3 == 0 ? AuditPayload(requestParams: #"{"i": \#(index)}"#) : nil
                    )
                }
                #expect(try await store.insert(Array(events[0..<10])) == 10)
                // Three chunks through the staging tables: the second and third must not see the first's rows.
                #expect(try await store.insert(events) == 2_290)
                #expect(try await store.insert(Array(events[2_000..<2_300])) == 0)
                let counts = try await client.query(
                    """
                    SELECT (SELECT count(*) FROM audit_events WHERE ts >= \(start) AND ts < \(start.addingTimeInterval(30)) AND tool_name = 'bulk'),
                           (SELECT count(*) FROM audit_payloads WHERE ts >= \(start) AND ts < \(start.addingTimeInterval(30)))
                    """,
                    logger: TestEnvironment.logger
                ).collect()
                let (eventCount, payloadCount) = try counts[0].decode((Int, Int).self)
                #expect(eventCount == 2_300 && payloadCount == 767)
                let report = try await ChainVerifier(client: client, publicKey: AuditChainTests.signer.publicKeyBase64, logger: TestEnvironment.logger)
                    .verify(from: start.addingTimeInterval(-1), to: start.addingTimeInterval(30), chainID: chainID)
                #expect(report.verified && report.links == 2_300, "\(String(describing: report.firstBreak))")
            }
        }
    }
}
