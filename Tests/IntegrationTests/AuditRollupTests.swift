import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import SharedProto
import Testing
import TollgateCore

@testable import Audit
@testable import Gateway

extension AuditTableSuites {
    /// The aggregates read from the rollups agree exactly with the same aggregates computed
    /// from the events, at unaligned window edges, after a redelivered batch; retention
    /// removes rollups with their events; a page reports `has_more` and a capped count.
    ///
    /// The events live at a random hour decades ahead, so no other test's events fall in the
    /// windows compared.
    @Suite(.serialized, .timeLimit(.minutes(3))) struct AuditRollupTests {
        typealias Pipeline = AuditTableSuites.AuditPipelineTests

        static func events(at base: Date, count: Int, seed: UInt64) -> [AuditEvent] {
            var generator = SplitMix64(seed: seed)
            let tools = ["alpha", "beta", "gamma"]
            let users: [String?] = ["apikey:a", "apikey:b", "oidc:c", nil]
            let durations: [Int64] = [0, 1, 7, 13, 45, 250, 999, 4_000, 700_000]
            return (0..<count).map { _ in
                let user = users.randomElement(using: &generator)!
                return AuditEvent(
                    timestamp: base.addingTimeInterval(Double(Int.random(in: 0..<7_200_000, using: &generator)) / 1000),
                    durationMs: durations.randomElement(using: &generator)! + Int64.random(in: 0...3, using: &generator),
                    userSubject: user, authType: user.map { $0.hasPrefix("oidc") ? "oidc" : "apikey" },
                    toolName: tools.randomElement(using: &generator)!, success: Int.random(in: 0..<4, using: &generator) != 0
                )
            }
        }

        static func json(_ client: some TestClientProtocol, _ uri: String) async throws -> [String: Any] {
            try await client.execute(uri: uri, method: .get, headers: [.init(InternalAPI.tokenHeader)!: Pipeline.token]) { response in
                #expect(response.status == .ok, "\(uri): \(String(buffer: response.body))")
                return try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
            }
        }

        @Test func aggregatesFromRollupsEqualAggregatesFromEvents() async throws {
            let hour = 3_600.0 * Double(Int.random(in: 24 * 365 * 60..<24 * 365 * 70))
            let base = Date(timeIntervalSince1970: 1_800_000_000 + hour)
            let events = Self.events(at: base, count: 600, seed: UInt64(hour))
            try await Pipeline.withAuditService { _, client in
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                    let store = AuditStore(client: postgres, logger: TestEnvironment.logger)
                    let first = try await store.insert(Array(events[0..<300]))
                    let second = try await store.insert(Array(events[200..<600]))  // 200..<300 redelivered
                    let again = try await store.insert(Array(events[0..<50]))
                    #expect(first == 300 && second == 300 && again == 0)
                }
                // Unaligned edges: partial minutes at both ends come from the events.
                let from = WireCoding.formatDate(base.addingTimeInterval(17.25))
                let to = WireCoding.formatDate(base.addingTimeInterval(2 * 3_600 - 31.5))
                for bucket in ["5m", "1m", "30s", "1h"] {
                    let series = try await Self.json(client, "\(InternalAPI.Audit.timeseries)?from=\(from)&to=\(to)&bucket=\(bucket)")
                    let expected = try await Self.expectedSeries(base: base, bucket: GoDuration.parse(bucket)!)
                    let points = series["points"] as? [[String: Any]] ?? []
                    #expect(points.count == expected.count, "\(bucket)")
                    for (point, want) in zip(points, expected) {
                        #expect(point["count"] as? Int == want.count && point["errors"] as? Int == want.errors, "\(bucket) \(point)")
                        #expect((point["avg_ms"] as? NSNumber)?.doubleValue == want.avg, "\(bucket) \(point)")
                    }
                }
                for by in ["tool", "user", "success", "auth_type"] {
                    let breakdown = try await Self.json(client, "\(InternalAPI.Audit.breakdown)?by=\(by)&from=\(from)&to=\(to)")
                    let rows = (breakdown["breakdown"] as? [[String: Any]] ?? []).map {
                        "\($0["key"] as? String ?? "null") \($0["count"] as? Int ?? -1) \($0["errors"] as? Int ?? -1) \(($0["avg_duration_ms"] as? NSNumber)?.doubleValue ?? -1)"
                    }
                    #expect(rows == (try await Self.expectedBreakdown(base: base, by: by)), "\(by)")
                }
            }
        }

        @Test func dashboardReadsTheLastHourFromTheRollups() async throws {
            try await Pipeline.withAuditService { harness, client in
                // More calls than any tool had in the last hour: this tool tops the list.
                let before = try await Self.json(client, InternalAPI.Audit.dashboard)
                let calls = ((before["top_tools"] as? [[String: Any]])?.first?["count"] as? Int ?? 0) + 1_000
                let now = Date()
                let events = (0..<calls).map { index in
                    AuditEvent(
                        timestamp: now.addingTimeInterval(-Double(index) * 3_000 / Double(calls)), durationMs: Int64(index % 100),
                        userSubject: "apikey:dashboard", authType: "apikey", toolName: harness.tool, success: index % 10 != 0
                    )
                }
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                    _ = try await AuditStore(client: postgres, logger: TestEnvironment.logger).insert(events)
                }
                let dashboard = try await Self.json(client, InternalAPI.Audit.dashboard)
                let top = (dashboard["top_tools"] as? [[String: Any]])?.first
                #expect(top?["key"] as? String == harness.tool)
                // The last 60 whole minutes: the calls of the last 50 minutes are all inside.
                #expect(top?["count"] as? Int == calls)
                #expect((dashboard["top_users"] as? [[String: Any]])?.contains { $0["key"] as? String == "apikey:dashboard" } == true)
                #expect((dashboard["total"] as? Int ?? 0) >= calls && (dashboard["errors"] as? Int ?? 0) >= calls / 10)
                #expect(dashboard["p50_ms"] is NSNumber && dashboard["p95_ms"] is NSNumber)
                #expect((dashboard["recent"] as? [Any])?.count == 10)
            }
        }

        @Test func pagesSayWhetherMoreFollowAndCapTheirCount() async throws {
            try await Pipeline.withAuditService { harness, client in
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                    try await postgres.query(
                        """
                        INSERT INTO audit_events (id, ts, duration_ms, tool_name, session_id, success, transport, source)
                        SELECT gen_random_uuid(), now() - make_interval(secs => n), 1, \(harness.tool), \(harness.tool), n % 2 = 0, 'http', 'mcp'
                        FROM generate_series(1, 10003) AS n
                        """
                    )
                }
                // By session: a filter the rollups cannot count, so the capped count answers.
                let events = InternalAPI.Audit.events
                var page = try await Self.json(client, "\(events)?session=\(harness.tool)&limit=5")
                #expect((page["events"] as? [Any])?.count == 5 && page["has_more"] as? Bool == true)
                #expect(page["total"] as? Int == 10_000 && page["total_exact"] as? Bool == false)
                page = try await Self.json(client, "\(events)?session=\(harness.tool)&limit=5&offset=10000")
                #expect((page["events"] as? [Any])?.count == 3 && page["has_more"] as? Bool == false)
                page = try await Self.json(client, "\(events)?session=\(harness.tool)&limit=1000&offset=4000&success=true")
                #expect((page["events"] as? [Any])?.count == 1000 && page["has_more"] as? Bool == true)
                #expect(page["total"] as? Int == 5_001 && page["total_exact"] as? Bool == true)
                page = try await Self.json(client, "\(events)?session=\(harness.tool)&limit=1000&offset=5000&success=true")
                #expect((page["events"] as? [Any])?.count == 1 && page["has_more"] as? Bool == false)
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                    try await postgres.query("DELETE FROM audit_events WHERE tool_name = \(harness.tool)")
                }
            }
        }

        @Test func countsByToolUserOrOutcomeAreExactFromTheRollups() async throws {
            let hour = 3_600.0 * Double(Int.random(in: 24 * 365 * 60..<24 * 365 * 70))
            let base = Date(timeIntervalSince1970: 1_800_000_000 + hour)
            let events = Self.events(at: base, count: 900, seed: UInt64(hour) + 7)
            try await Pipeline.withAuditService { _, client in
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                    let store = AuditStore(client: postgres, logger: TestEnvironment.logger)
                    _ = try await store.insert(Array(events[0..<600]))
                    _ = try await store.insert(Array(events[300..<900]))  // 300..<600 redelivered
                }
                // Unaligned edges: the partial minutes at both ends come from the events.
                let from = base.addingTimeInterval(17.25)
                let to = base.addingTimeInterval(2 * 3_600 - 31.5)
                let range = "from=\(WireCoding.formatDate(from))&to=\(WireCoding.formatDate(to))"
                let inRange = events.filter { $0.timestamp >= from && $0.timestamp < to }
                let cases: [(String, (AuditEvent) -> Bool)] = [
                    ("tool=alpha", { $0.toolName == "alpha" }),
                    ("tool=beta&success=false", { $0.toolName == "beta" && !$0.success }),
                    ("user=apikey:b", { $0.userSubject == "apikey:b" }),
                    ("user=oidc:c&success=true", { $0.userSubject == "oidc:c" && $0.success }),
                ]
                for (query, matches) in cases {
                    let page = try await Self.json(client, "\(InternalAPI.Audit.events)?\(range)&\(query)&limit=1")
                    #expect(page["total"] as? Int == inRange.filter(matches).count && page["total_exact"] as? Bool == true, "\(query): \(page)")
                }
                // No rollup crosses tool and user: that count is the capped one, still exact here.
                let unbounded = try await Self.json(client, "\(InternalAPI.Audit.events)?\(range)&tool=gamma&user=apikey:a&limit=1")
                #expect(unbounded["total"] as? Int == inRange.filter { $0.toolName == "gamma" && $0.userSubject == "apikey:a" }.count)
            }
        }

        @Test func aCountOverItsBudgetAnswersThePlannersEstimate() async throws {
            try await Pipeline.withAuditService(extra: ["TOLLGATE_AUDIT_COUNT_BUDGET": "1ms"]) { harness, client in
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                    try await postgres.query(
                        """
                        INSERT INTO audit_events (id, ts, duration_ms, tool_name, session_id, success, transport, source)
                        SELECT gen_random_uuid(), now() - make_interval(secs => n), 1, \(harness.tool), \(harness.tool), true, 'http', 'mcp'
                        FROM generate_series(1, 200000) AS n
                        """
                    )
                }
                let page = try await Self.json(client, "\(InternalAPI.Audit.events)?session=\(harness.tool)&limit=5")
                #expect((page["events"] as? [Any])?.count == 5 && page["has_more"] as? Bool == true)
                #expect(page["total_estimated"] as? Bool == true && page["total_exact"] as? Bool == false, "\(page)")
                #expect((page["total"] as? Int ?? 0) > 0)
                // A payload filter, counted window by window, is answered with the estimate past its budget too.
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                    try await postgres.query(
                        """
                        INSERT INTO audit_payloads (event_id, ts, request_params)
                        SELECT id, ts, jsonb_build_object('marker', tool_name) FROM audit_events WHERE tool_name = \(harness.tool) LIMIT 50000
                        """
                    )
                    // As autovacuum would after such a load: estimates come from statistics.
                    try await postgres.query("ANALYZE audit_events, audit_payloads")
                }
                let filtered = try await Self.json(client, "\(InternalAPI.Audit.events)?param.marker=\(harness.tool)&limit=5")
                #expect((filtered["events"] as? [Any])?.count == 5 && filtered["has_more"] as? Bool == true)
                #expect(filtered["total_estimated"] as? Bool == true && filtered["total_exact"] as? Bool == false, "\(filtered)")
                // Estimated from the payloads' own statistics: a join to the events was estimated
                // at one row, and the answer was then only what the page showed.
                #expect((filtered["total"] as? Int ?? 0) >= 1_000, "\(filtered)")
                // With a condition on the event too, the estimate joins on the id alone (on id
                // and ts, the planner multiplied two near-unique selectivities into one row).
                let mixed = try await Self.json(client, "\(InternalAPI.Audit.events)?param.marker=\(harness.tool)&tool=\(harness.tool)&limit=5")
                #expect(mixed["total_estimated"] as? Bool == true && (mixed["total"] as? Int ?? 0) >= 1_000, "\(mixed)")
                // A page that reached the last match knows the number, whatever the estimate.
                let none = try await Self.json(client, "\(InternalAPI.Audit.events)?param.marker=\(harness.tool)&success=false&limit=5")
                #expect(none["total"] as? Int == 0 && none["total_exact"] as? Bool == true && none["total_estimated"] as? Bool == false, "\(none)")
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                    try await postgres.query(
                        "DELETE FROM audit_payloads WHERE event_id IN (SELECT id FROM audit_events WHERE tool_name = \(harness.tool))"
                    )
                    try await postgres.query("DELETE FROM audit_events WHERE tool_name = \(harness.tool)")
                }
            }
        }

        @Test func payloadFilteredPagesAreReadWindowByWindowInOrder() async throws {
            try await Pipeline.withAuditService { harness, client in
                // Matches at ages that fall in different windows (minutes, hours, days, weeks),
                // interleaved with events that do not match.
                let now = Date()
                let ages: [TimeInterval] = [60, 1_800, 4 * 3_600, 20 * 3_600, 2 * 86_400, 5 * 86_400, 10 * 86_400, 20 * 86_400]
                var stored: [AuditEvent] = []
                for (index, age) in ages.enumerated() {
                    for matches in [true, false] {
                        let marker = matches ? harness.tool : "other"
                        stored.append(
                            AuditEvent(
                                timestamp: now.addingTimeInterval(-age - (matches ? 0 : 1)), durationMs: Int64(index), toolName: harness.tool,
                                parameters: #"{"n":\#(index)}"#, success: true,
                                payload: AuditPayload(requestParams: #"{"marker":"\#(marker)","n":\#(index)}"#)
                            )
                        )
                    }
                }
                let batch = stored
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                    _ = try await AuditStore(client: postgres, logger: TestEnvironment.logger).insert(batch)
                }
                let events = InternalAPI.Audit.events
                var seen: [Int] = []
                for offset in stride(from: 0, to: 10, by: 3) {
                    let page = try await Self.json(client, "\(events)?param.marker=\(harness.tool)&limit=3&offset=\(offset)")
                    let rows = page["events"] as? [[String: Any]] ?? []
                    seen += rows.compactMap { ($0["parameters"] as? [String: Any])?["n"] as? Int }
                    #expect(page["has_more"] as? Bool == (offset + 3 < ages.count), "offset \(offset)")
                    #expect(page["total"] as? Int == ages.count && page["total_exact"] as? Bool == true, "\(page)")
                }
                #expect(seen == Array(0..<ages.count))  // newest first, each once, across every window
                // A window bounded by from/to: only the matches inside it.
                let from = WireCoding.formatDate(now.addingTimeInterval(-6 * 86_400))
                let to = WireCoding.formatDate(now.addingTimeInterval(-3_000))
                let bounded = try await Self.json(client, "\(events)?param.marker=\(harness.tool)&from=\(from)&to=\(to)&limit=50")
                let numbers = (bounded["events"] as? [[String: Any]] ?? []).compactMap { ($0["parameters"] as? [String: Any])?["n"] as? Int }
                #expect(numbers == [2, 3, 4, 5] && bounded["has_more"] as? Bool == false)
            }
        }

        @Test func retentionRemovesRollupsWithTheirEvents() async throws {
            try await Pipeline.withAuditService { harness, _ in
                let old = Date().addingTimeInterval(-40 * 86_400)
                let events = (0..<20).map { AuditEvent(timestamp: old.addingTimeInterval(Double($0) * 7), durationMs: 3, toolName: harness.tool, success: true) }
                try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                    _ = try await AuditStore(client: postgres, logger: TestEnvironment.logger).insert(events)
                    func rollups() async throws -> Int {
                        try await postgres.query("SELECT count(*)::int FROM audit_rollups WHERE dim = 'tool' AND key = \(harness.tool)").collect().first?.decode(Int.self) ?? -1
                    }
                    #expect(try await rollups() >= 3)
                    let manager = PartitionManager(
                        client: postgres, retentionDays: 30, partitionsAhead: 2, signer: try ChainSigner(seedBase64: nil), logger: TestEnvironment.logger
                    )
                    _ = try await manager.maintain()
                    #expect(try await rollups() == 0)
                }
            }
        }

        @Test func theMigrationRollsUpEventsStoredBeforeIt() async throws {
            let schema = "t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
            let events = Self.events(at: Date(timeIntervalSince1970: 1_800_000_000), count: 400, seed: 42)
            try await TestEnvironment.withClient(try TestEnvironment.superuserConfiguration()) { client in
                try await client.query("CREATE SCHEMA \(unescaped: schema)")
                do {
                    try await Self.compareBackfill(client, schema: schema, events: events)
                } catch {
                    try? await client.query("DROP SCHEMA \(unescaped: schema) CASCADE")
                    throw error
                }
                try await client.query("DROP SCHEMA \(unescaped: schema) CASCADE")
            }
        }

        static func compareBackfill(_ client: PostgresClient, schema: String, events: [AuditEvent]) async throws {
            let before = Array(AuditMigrations.all.prefix(2))
            _ = try await Migrator(schema: schema, migrations: before, logger: TestEnvironment.logger).run(on: client)
            try await client.withTransaction(logger: TestEnvironment.logger) { connection in
                try await connection.query("SET LOCAL search_path TO \(unescaped: schema)", logger: TestEnvironment.logger)
                try await AuditCopy.copy(events.map(\.storable), into: .tables, on: connection, logger: TestEnvironment.logger)
            }
            #expect(try await Migrator(schema: schema, migrations: Array(AuditMigrations.all.prefix(3)), logger: TestEnvironment.logger).run(on: client) == [3])
            let rows = try await client.query(
                "SELECT dim, extract(epoch FROM minute)::bigint, key, success, calls, duration_sum, histogram FROM \(unescaped: schema).audit_rollups"
            ).collect()
            var stored: [AuditRollups.Key: String] = [:]
            for row in rows {
                let (dim, minute, key, success, calls, sum, histogram) = try row.decode((String, Int64, String?, Bool, Int64, Int64, [Int64]?).self)
                stored[.init(dim: dim, minute: minute, key: key, success: success)] = "\(calls) \(sum) \(histogram ?? [])"
            }
            let expected = AuditRollups(events).rows.mapValues { "\($0.calls) \($0.durationSum) \($0.histogram?.counts ?? [])" }
            #expect(stored.count == expected.count)
            #expect(stored == expected)
        }

        /// The same window's buckets computed from the events alone.
        static func expectedSeries(base: Date, bucket: Int) async throws -> [(count: Int, errors: Int, avg: Double?)] {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                let (from, to) = (base.addingTimeInterval(17.25), base.addingTimeInterval(2 * 3_600 - 31.5))
                let rows = try await postgres.query(
                    """
                    WITH buckets AS (SELECT generate_series(to_timestamp(floor(extract(epoch FROM \(from)::timestamptz) / \(bucket)) * \(bucket)),
                        \(to)::timestamptz - interval '1 microsecond', make_interval(secs => \(bucket))) AS start)
                    SELECT count(e.id)::int, (count(e.id) FILTER (WHERE NOT e.success))::int,
                        coalesce(round(avg(CASE WHEN e.id IS NOT NULL THEN greatest(e.duration_ms, 0) END)::numeric, 1), -1)::float8
                    FROM buckets b LEFT JOIN audit_events e
                        ON e.ts >= \(from) AND e.ts < \(to) AND to_timestamp(floor(extract(epoch FROM e.ts) / \(bucket)) * \(bucket)) = b.start
                    GROUP BY b.start ORDER BY b.start
                    """
                ).collect()
                return try rows.map { row in
                    let (count, errors, avg) = try row.decode((Int, Int, Double).self)
                    return (count, errors, avg < 0 ? nil : avg)
                }
            }
        }

        static func expectedBreakdown(base: Date, by: String) async throws -> [String] {
            let column = ["tool": "tool_name", "user": "user_subject", "success": "success::text", "auth_type": "auth_type"][by]!
            return try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { postgres in
                let (from, to) = (base.addingTimeInterval(17.25), base.addingTimeInterval(2 * 3_600 - 31.5))
                let rows = try await postgres.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT coalesce(\(column), 'null'), count(*)::int, (count(*) FILTER (WHERE NOT success))::int,
                                round(avg(greatest(duration_ms, 0))::numeric, 1)::float8
                            FROM audit_events WHERE ts >= $1 AND ts < $2 GROUP BY \(column) ORDER BY 2 DESC, \(column)
                            """,
                        binds: {
                            var bindings = PostgresBindings()
                            bindings.append(from)
                            bindings.append(to)
                            return bindings
                        }()
                    )
                ).collect()
                return try rows.map { row in
                    let (key, count, errors, avg) = try row.decode((String, Int, Int, Double).self)
                    return "\(key) \(count) \(errors) \(avg)"
                }
            }
        }
    }
}
