import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import SharedProto
import Testing
import TollgateCore
import TollgateRedis

@testable import Audit

extension AuditTableSuites {
    /// The audit service's ingest: a real redis-server of its own, the test database, the real app.
    // A hung dependency fails the suite instead of stalling the whole CI run.
    // Serialized: two tests drop partitions (ACCESS EXCLUSIVE on the parent tables), which waits
    // behind the export test's long read of 100,000 rows, and every audit service starting
    // meanwhile queues behind that drop: a 42 s stall in one CI rehearsal made four start-ups miss
    // their 30 s readiness window.
    @Suite(.serialized, .timeLimit(.minutes(3))) struct AuditPipelineTests {
        static let token = "integration-test-internal-token"

        struct Harness {
            let redis: RedisClient
            let runtime: ServiceRuntime
            let tool: String

            func event(_ index: Int, ts: Date = Date()) -> AuditEvent {
                AuditEvent(
                    timestamp: ts, durationMs: Int64(index), requestID: "r\(index)", userSubject: "apikey:tester", authType: "apikey",
                    toolName: tool, toolGroup: "identity", parameters: #"{"message":"m\#(index)","n":1.0}"#, success: index % 2 == 0,
                    payload: AuditPayload(requestParams: #"{"name":"\#(tool)"}"#, responseResult: #"{"content":[]}"#)
                )
            }

            func publish(_ events: [AuditEvent]) async throws {
                let encoder = WireCoding.encoder()
                let commands = try events.map { RedisCommand("XADD", [RedisArgument(RedisNames.auditStream), "*", "e", RedisArgument(Array(try encoder.encode($0)))]) }
                _ = try await redis.pipeline(commands)
            }

            func storedCount() async throws -> Int {
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                    try await client.query("SELECT count(*)::int FROM audit_events WHERE tool_name = \(tool)").collect().first?.decode(Int.self) ?? -1
                }
            }

            /// Waits (up to 15 s) until `expected` events of this test are stored.
            func waitForStored(_ expected: Int) async throws -> Int {
                var count = 0
                for _ in 0..<150 {
                    count = try await storedCount()
                    if count >= expected { return count }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return count
            }
        }

        static func withAuditService(
            extra: [String: String] = [:],
            prepare: @Sendable (Harness) async throws -> Void = { _ in },
            _ body: @Sendable (Harness, any TestClientProtocol) async throws -> Void
        ) async throws {
            let server = try RedisServerProcess()
            var environment = try ServiceApplicationTests.environment(for: .audit)
            environment["TOLLGATE_REDIS_URL"] = "redis://:\(server.password)@127.0.0.1:\(server.port)/0"
            environment["TOLLGATE_INTERNAL_TOKEN"] = token
            environment["TOLLGATE_AUDIT_BLOCK"] = "200ms"
            // Debug builds on a shared machine: counts get time to be exact.
            environment["TOLLGATE_AUDIT_COUNT_BUDGET"] = "10s"
            environment.merge(extra) { $1 }
            let config = try AuditConfig(reader: ConfigReader(environment: environment))
            let runtime = ServiceRuntime(service: .audit, logger: TestEnvironment.logger)
            let redis = server.client()
            let tool = "audit-test-\(UUID().uuidString.prefix(8).lowercased())"
            let harness = Harness(redis: redis, runtime: runtime, tool: tool)
            try await prepare(harness)
            try await Audit.buildApplication(config: config, runtime: runtime).test(.live) { client in
                #expect(try await ServiceApplicationTests.becomesReady(client))
                try await body(harness, client)
            }
            await redis.shutdown()
            withExtendedLifetime(server) {}
        }

        @Test func eventsAreStoredOnceAndQueryable() async throws {
            try await Self.withAuditService { harness, client in
                let events = (0..<25).map { harness.event($0) }
                try await harness.publish(events)
                try await harness.publish(Array(events.prefix(5)))  // redelivered: stored once
                #expect(try await harness.waitForStored(25) == 25)
                try await Task.sleep(for: .milliseconds(500))
                #expect(try await harness.storedCount() == 25)

                let headers: HTTPFields = [.init(InternalAPI.tokenHeader)!: Self.token]
                try await client.execute(uri: "\(InternalAPI.Audit.events)?tool=\(harness.tool)&success=true&limit=5", method: .get, headers: headers) { response in
                    #expect(response.status == .ok)
                    let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    #expect(body?["total"] as? Int == 13)
                    #expect((body?["events"] as? [[String: Any]])?.count == 5)
                }
                try await client.execute(uri: "\(InternalAPI.Audit.events)/\(events[3].id.uuidString)", method: .get, headers: headers) { response in
                    #expect(response.status == .ok)
                    let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    #expect(body?["request_id"] as? String == "r3")
                    #expect((body?["payload"] as? [String: Any])?["response_result"] != nil)
                }
                try await client.execute(uri: "\(InternalAPI.Audit.events)/not-a-uuid", method: .get, headers: headers) { #expect($0.status == .badRequest) }
                try await client.execute(uri: "\(InternalAPI.Audit.events)/\(UUID().uuidString)", method: .get, headers: headers) { #expect($0.status == .notFound) }
                try await client.execute(uri: InternalAPI.Audit.events, method: .get) { #expect($0.status == .unauthorized) }
            }
        }

        /// Each filter rule of seed 002 with a row that matches and one that must not.
        @Test func filtersOfSeed002() async throws {
            try await Self.withAuditService { harness, client in
                func event(_ label: String, arguments: String, result: String?, error: String? = nil, headers: String, success: Bool = true) -> AuditEvent {
                    AuditEvent(
                        timestamp: Date(), durationMs: 1, userSubject: "filter:\(label)", toolName: harness.tool, parameters: arguments, success: success,
                        errorMessage: error == nil ? nil : "upstream 100% down_now",
                        payload: AuditPayload(requestParams: arguments, requestHeaders: headers, responseResult: result, responseError: error)
                    )
                }
                let a = event("a", arguments: #"{"user":{"id":"alice"},"code":200,"flag":true}"#, result: #"{"isError":false,"content":[]}"#, headers: #"{"user-agent":["curl/8.0"]}"#)
                let b = event("b", arguments: #"{"user":{"id":"bob"},"code":"200","flag":false}"#, result: nil, error: #"{"code":-32000}"#, headers: #"{"user-agent":["python"]}"#, success: false)
                try await harness.publish([a, b])
                #expect(try await harness.waitForStored(2) == 2)

                let headers: HTTPFields = [.init(InternalAPI.tokenHeader)!: Self.token]
                func subjects(_ query: String) async throws -> [String] {
                    try await client.execute(uri: "\(InternalAPI.Audit.events)?tool=\(harness.tool)&\(query)", method: .get, headers: headers) { response in
                        #expect(response.status == .ok, "\(query)")
                        let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                        return ((body?["events"] as? [[String: Any]]) ?? []).compactMap { $0["user_subject"] as? String }.sorted()
                    }
                }
                #expect(try await subjects("param.user.id=alice") == ["filter:a"])
                #expect(try await subjects("param.code=200") == ["filter:a"])
                #expect(try await subjects("param.code=%22200%22") == ["filter:b"])
                #expect(try await subjects("param.flag=false") == ["filter:b"])
                #expect(try await subjects("response.isError=false") == ["filter:a"])
                #expect(try await subjects("header.User-Agent=curl/8.0") == ["filter:a"])
                #expect(try await subjects("header.user-agent=python") == ["filter:b"])
                #expect(try await subjects("has=response_error") == ["filter:b"])
                #expect(try await subjects("has=response_result") == ["filter:a"])
                #expect(try await subjects("has=password") == ["filter:a", "filter:b"])  // unknown column: dropped
                #expect(try await subjects("param.user..id=alice") == ["filter:a", "filter:b"])  // empty segment: dropped
                #expect(try await subjects("header.User-Agent.x=curl/8.0") == ["filter:a", "filter:b"])  // dotted header: dropped
                #expect(try await subjects("q=100%25%20down") == ["filter:b"])  // % is literal, not a wildcard
                #expect(try await subjects("q=100_") == [])
                #expect(try await subjects("success=false") == ["filter:b"])
                #expect(try await subjects("user=filter:a") == ["filter:a"])
                try await client.execute(uri: "\(InternalAPI.Audit.events)?success=perhaps", method: .get, headers: headers) { #expect($0.status == .badRequest) }
            }
        }

        @Test func exportTimeseriesBreakdownAndDashboard() async throws {
            try await Self.withAuditService { harness, client in
                let events = (0..<30).map { harness.event($0) }  // odd indexes failed
                try await harness.publish(events)
                #expect(try await harness.waitForStored(30) == 30)
                let headers: HTTPFields = [.init(InternalAPI.tokenHeader)!: Self.token]
                func body(_ uri: String) async throws -> (HTTPResponse.Status, String) {
                    try await client.execute(uri: uri, method: .get, headers: headers) { ($0.status, String(buffer: $0.body)) }
                }
                var (status, text) = try await body("\(InternalAPI.Audit.export)?tool=\(harness.tool)&success=false")
                #expect(status == .ok)
                let lines = text.split(separator: "\n")
                #expect(lines.count == 15)
                #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })
                (status, _) = try await body("\(InternalAPI.Audit.export)?format=csv")
                #expect(status == .badRequest)

                (status, text) = try await body("\(InternalAPI.Audit.timeseries)?bucket=1m&from=\(WireCoding.formatDate(Date().addingTimeInterval(-600)))")
                #expect(status == .ok)
                let series = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                #expect(series?["bucket"] as? String == "1m0s")
                let points = series?["points"] as? [[String: Any]] ?? []
                #expect((10...11).contains(points.count))
                #expect(points.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } >= 30)
                // Too many buckets for the window: the buckets widen to fit 10,000 (not an error).
                (status, text) = try await body("\(InternalAPI.Audit.timeseries)?bucket=1s&from=2020-01-01T00:00:00Z")
                #expect(status == .ok)
                let widened = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                #expect((widened?["points"] as? [Any])?.count ?? 0 <= 10_001)
                #expect(widened?["bucket"] as? String != "1s")
                (status, _) = try await body("\(InternalAPI.Audit.timeseries)?bucket=soon")
                #expect(status == .badRequest)

                (status, text) = try await body("\(InternalAPI.Audit.breakdown)?by=tool")
                let breakdown = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                #expect(breakdown?["by"] as? String == "tool")
                let mine = (breakdown?["breakdown"] as? [[String: Any]])?.first { $0["key"] as? String == harness.tool }
                #expect(mine?["count"] as? Int == 30)
                #expect(mine?["errors"] as? Int == 15)
                (status, _) = try await body("\(InternalAPI.Audit.breakdown)?by=password")
                #expect(status == .badRequest)

                (status, text) = try await body(InternalAPI.Audit.dashboard)
                let dashboard = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                #expect((dashboard?["total"] as? Int ?? 0) >= 30)
                #expect(dashboard?["p95_ms"] is NSNumber && dashboard?["p50_ms"] is NSNumber)
                #expect((dashboard?["recent"] as? [Any])?.count == 10)
            }
        }

        @Test func exportIsCappedAt100000Rows() async throws {
            try await Self.withAuditService { harness, client in
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                    try await postgres.query(
                        """
                        INSERT INTO audit_events (id, ts, duration_ms, tool_name, success, transport, source)
                        SELECT gen_random_uuid(), now() - make_interval(secs => n), 1, \(harness.tool), true, 'http', 'mcp'
                        FROM generate_series(1, 100050) AS n
                        """
                    )
                }
                // A real HTTP client: the export is a 100,000-line stream.
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(try #require(client.port))\(InternalAPI.Audit.export)?tool=\(harness.tool)")
                request.headers.add(name: InternalAPI.tokenHeader, value: Self.token)
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
                #expect(response.headers.first(name: "Content-Type") == "application/x-ndjson")
                var lines = 0
                for try await buffer in response.body {
                    lines += buffer.readableBytesView.lazy.filter { $0 == 0x0A }.count
                }
                #expect(lines == 100_000)
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                    try await postgres.query("DELETE FROM audit_events WHERE tool_name = \(harness.tool)")
                }
            }
        }

        @Test func committedEventsAreAnnouncedForLiveTail() async throws {
            try await Self.withAuditService { harness, _ in
                let announcements = harness.redis.subscribe(to: [RedisNames.auditCommittedChannel])
                var iterator = announcements.makeAsyncIterator()
                #expect(await iterator.next() == .subscribed)
                let events = (0..<3).map { harness.event($0) }
                try await harness.publish(events)
                var announced: [AuditEvent] = []
                while announced.count < 3, let message = await iterator.next() {
                    guard case .message(_, let payload) = message else { continue }
                    announced += try WireCoding.decoder().decode([AuditEvent].self, from: Data(payload)).filter { $0.toolName == harness.tool }
                }
                #expect(Set(announced.map(\.id)) == Set(events.map(\.id)))
                #expect(announced.allSatisfy { $0.payload == nil })  // summaries only
                #expect(try await harness.storedCount() == 3)  // announced after the commit
            }
        }

        @Test func poisonEntriesAreDeadLetteredAndIngestContinues() async throws {
            try await Self.withAuditService { harness, _ in
                try await harness.redis.send("XADD", RedisArgument(RedisNames.auditStream), "*", "e", "{not an event")
                try await harness.redis.send("XADD", RedisArgument(RedisNames.auditStream), "*", "other", "field")
                try await harness.publish([harness.event(1), harness.event(2)])
                #expect(try await harness.waitForStored(2) == 2)
                let dead = try await harness.redis.send("XRANGE", RedisArgument(RedisNames.auditDeadLetterStream), "-", "+")
                let reasons = (dead.array ?? []).compactMap { entry -> String? in
                    let fields = entry.array?[1].array ?? []
                    return fields.count >= 2 ? fields[1].string : nil
                }
                #expect(reasons.count == 2)
                #expect(reasons.contains { $0.hasPrefix("undecodable audit event") })
                #expect(reasons.contains("entry has no 'e' field"))
                // Nothing is left pending.
                let pending = try await harness.redis.send("XPENDING", RedisArgument(RedisNames.auditStream), RedisArgument(RedisNames.auditConsumerGroup))
                #expect(pending.array?.first?.int == 0)
            }
        }

        @Test func eventsWithNULAreStoredWithAReplacementCharacter() async throws {
            try await Self.withAuditService { harness, _ in
                var event = harness.event(1)
                event.parameters = #"{"message":"a\u0000b","n":1.0}"#
                event.errorMessage = "broken\u{0}message"
                event.payload?.requestParams = #"{"name":"x","arguments":{"message":"a\u0000b"}}"#
                try await harness.publish([event])
                #expect(try await harness.waitForStored(1) == 1)
                let id = event.id
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                    let rows = try await client.query(
                        """
                        SELECT e.parameters->>'message', e.parameters->>'n', e.error_message, p.request_params->'arguments'->>'message'
                        FROM audit_events e JOIN audit_payloads p ON p.event_id = e.id AND p.ts = e.ts WHERE e.id = \(id)
                        """
                    ).collect()
                    let (message, number, error, payloadMessage) = try #require(rows.first).decode((String, String, String, String).self)
                    #expect(message == "a\u{FFFD}b" && payloadMessage == "a\u{FFFD}b")
                    #expect(number == "1.0")
                    #expect(error == "broken\u{FFFD}message")
                }
            }
        }

        @Test func eventsPostgresRefusesAreDeadLetteredAndTheOthersStored() async throws {
            try await Self.withAuditService { harness, _ in
                var refused = harness.event(1)
                refused.parameters = #"{"message":"#  // not JSON: the jsonb cast fails
                try await harness.publish([harness.event(0), refused, harness.event(2)])
                #expect(try await harness.waitForStored(2) == 2)
                var reasons: [String] = []
                for _ in 0..<50 where reasons.isEmpty {
                    let dead = try await harness.redis.send("XRANGE", RedisArgument(RedisNames.auditDeadLetterStream), "-", "+")
                    reasons = (dead.array ?? []).compactMap { $0.array?[1].array?[1].string }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(reasons.count == 1)
                #expect(reasons.first?.hasPrefix("not storable: 22P02") == true)
                #expect(harness.runtime.metrics.emitToString().contains("tollgate_audit_dead_lettered_total 1"))
                let pending = try await harness.redis.send("XPENDING", RedisArgument(RedisNames.auditStream), RedisArgument(RedisNames.auditConsumerGroup))
                #expect(pending.array?.first?.int == 0)
                // Later events are not held up.
                try await harness.publish([harness.event(3)])
                #expect(try await harness.waitForStored(3) == 3)
            }
        }

        /// Reads the stream as a consumer that then dies without acknowledging anything.
        static func leavePendingWithDeadConsumer(_ harness: Harness, _ events: [AuditEvent]) async throws {
            try await harness.redis.send("XGROUP", "CREATE", RedisArgument(RedisNames.auditStream), RedisArgument(RedisNames.auditConsumerGroup), "0", "MKSTREAM")
            try await harness.publish(events)
            let read = try await harness.redis.send(
                "XREADGROUP", "GROUP", RedisArgument(RedisNames.auditConsumerGroup), "dead-consumer", "COUNT", "100", "STREAMS", RedisArgument(RedisNames.auditStream), ">"
            )
            #expect(read.array?.first?.array?[1].array?.count == events.count)
        }

        @Test func entriesOfADeadConsumerAreClaimed() async throws {
            let events = (0..<4).map { index in AuditEvent(timestamp: Date(), durationMs: Int64(index), toolName: "claimed", success: true) }
            try await Self.withAuditService(extra: ["TOLLGATE_AUDIT_CLAIM_IDLE": "1s"], prepare: { harness in
                var mine = events
                for index in mine.indices { mine[index].toolName = harness.tool }
                try await Self.leavePendingWithDeadConsumer(harness, mine)
            }) { harness, _ in
                let stored = try await harness.waitForStored(4)
                #expect(stored == 4)
                let statistics = harness.runtime.metrics.emitToString()
                #expect(statistics.contains("tollgate_audit_claimed_total 4"))
            }
        }

        @Test func entriesDeliveredTooOftenAreDeadLettered() async throws {
            try await Self.withAuditService(extra: ["TOLLGATE_AUDIT_CLAIM_IDLE": "1s", "TOLLGATE_AUDIT_MAX_DELIVERIES": "2"], prepare: { harness in
                try await Self.leavePendingWithDeadConsumer(harness, [harness.event(1)])
                let pending = try await harness.redis.send("XPENDING", RedisArgument(RedisNames.auditStream), RedisArgument(RedisNames.auditConsumerGroup), "-", "+", "10")
                let id = try #require(pending.array?.first?.array?.first?.string)
                for _ in 0..<3 {
                    try await harness.redis.send("XCLAIM", RedisArgument(RedisNames.auditStream), RedisArgument(RedisNames.auditConsumerGroup), "another-dead", "0", RedisArgument(id))
                }
            }) { harness, _ in
                var reasons: [String] = []
                for _ in 0..<100 where reasons.isEmpty {
                    let dead = try await harness.redis.send("XRANGE", RedisArgument(RedisNames.auditDeadLetterStream), "-", "+")
                    reasons = (dead.array ?? []).compactMap { $0.array?[1].array?[1].string }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(reasons == ["delivered 4 times without being stored"])
                #expect(try await harness.storedCount() == 0)
            }
        }

        @Test func rowsWrittenBeforeTheirPartitionExistedMoveIntoIt() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                try await Migrator(schema: "audit", migrations: AuditMigrations.all, logger: TestEnvironment.logger).run(on: client)
                // Further ahead than any other test's audit service creates partitions.
                let manager = PartitionManager(client: client, retentionDays: 30, partitionsAhead: 20, logger: TestEnvironment.logger)
                let day = PartitionManager.startOfDay(Date()).addingTimeInterval(20 * 86_400 + 3_600)
                let names = PartitionManager.tables.map { "\($0)_p\(PartitionManager.stamp(day))" }
                for name in names { try await client.query("DROP TABLE IF EXISTS \(unescaped: name)") }
                let tool = "early-\(UUID().uuidString.prefix(8).lowercased())"
                let event = AuditEvent(timestamp: day, durationMs: 1, toolName: tool, success: true, payload: AuditPayload(requestParams: "{}"))
                try await AuditStore(client: client, logger: TestEnvironment.logger).insert([event])
                let inDefault = try await client.query("SELECT count(*)::int FROM audit_events_default WHERE tool_name = \(tool)").collect().first?.decode(Int.self)
                #expect(inDefault == 1)

                let created = try await manager.maintain().created
                #expect(names.allSatisfy(created.contains))
                let moved = try await client.query("SELECT count(*)::int FROM \(unescaped: names[0]) WHERE tool_name = \(tool)").collect().first?.decode(Int.self)
                let movedPayloads = try await client.query("SELECT count(*)::int FROM \(unescaped: names[1]) WHERE event_id = \(event.id)").collect().first?.decode(Int.self)
                let left = try await client.query("SELECT count(*)::int FROM audit_events_default WHERE tool_name = \(tool)").collect().first?.decode(Int.self)
                #expect(moved == 1 && movedPayloads == 1 && left == 0)
                // Attached as real partitions: the indexes of the parent are there.
                let indexes = try await client.query("SELECT count(*)::int FROM pg_indexes WHERE schemaname = current_schema() AND tablename = \(names[0])").collect().first?.decode(Int.self)
                #expect(indexes == 6)
                for name in names { try await client.query("DROP TABLE IF EXISTS \(unescaped: name)") }
            }
        }

        @Test func retentionDropsOldPartitionsAndKeepsRecentOnes() async throws {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                try await Migrator(schema: "audit", migrations: AuditMigrations.all, logger: TestEnvironment.logger).run(on: client)
                let manager = PartitionManager(client: client, retentionDays: 30, partitionsAhead: 2, logger: TestEnvironment.logger)
                let old = Date().addingTimeInterval(-45 * 86_400)
                let created = try await manager.maintain(now: old).created
                let oldName = "audit_events_p\(PartitionManager.stamp(old))"
                let exists = try await client.query("SELECT to_regclass(\(oldName)) IS NOT NULL").collect().first?.decode(Bool.self) == true
                #expect(created.contains(oldName) || exists)
                let tool = "retention-\(UUID().uuidString.prefix(8).lowercased())"
                let store = AuditStore(client: client, logger: TestEnvironment.logger)
                try await store.insert([
                    AuditEvent(timestamp: old, durationMs: 1, toolName: tool, success: true),
                    AuditEvent(timestamp: Date(), durationMs: 1, toolName: tool, success: true),
                    AuditEvent(timestamp: Date().addingTimeInterval(-400 * 86_400), durationMs: 1, toolName: tool, success: true),
                ])
                _ = try await manager.maintain()
                // Other audit instances in the shared test database may have dropped it first: check the end state.
                let stillThere = try await client.query("SELECT to_regclass(\(oldName)) IS NOT NULL").collect().first?.decode(Bool.self)
                #expect(stillThere == false)
                let remaining = try await client.query("SELECT count(*)::int FROM audit_events WHERE tool_name = \(tool)").collect().first?.decode(Int.self)
                #expect(remaining == 1)
            }
        }
    }
}
