import MCPCore
import PostgresNIO
import Testing

@testable import Audit

@Suite struct AuditFilterTests {
    @Test func typeDetection() throws {
        #expect(try AuditFilter.typed("true") == .bool(true))
        #expect(try AuditFilter.typed("false") == .bool(false))
        #expect(try AuditFilter.typed("200") == .number("200"))
        #expect(try AuditFilter.typed("-1.5e3") == .number("-1.5e3"))
        #expect(try AuditFilter.typed("\"200\"") == .string("200"))
        #expect(try AuditFilter.typed("alice") == .string("alice"))
        #expect(try AuditFilter.typed("01") == .string("01"))
    }

    @Test func pathsBecomeNestedContainmentDocuments() throws {
        let filter = try AuditFilter(query: [("param.user.id", "alice"), ("response.isError", "true"), ("param.code", "\"200\"")])
        #expect(filter.params == [["user": ["id": "alice"]], ["code": "200"]])
        #expect(filter.responses == [["isError": true]])
        #expect(filter.needsPayload)
    }

    @Test func badPathsAndColumnsAreDroppedSilently() throws {
        let filter = try AuditFilter(query: [
            ("param.a..b", "v"), ("param.", "v"), ("header.X-Foo.bar", "v"), ("has", "password"), ("has", "response_error"), ("unknown", "x"),
        ])
        #expect(filter.params.isEmpty && filter.headers.isEmpty)
        #expect(filter.has == ["response_error"])
    }

    @Test func headerNamesAreCanonicalAndValuesAlwaysStrings() throws {
        let filter = try AuditFilter(query: [("header.User-Agent", "curl/8.0"), ("header.x-count", "5")])
        #expect(filter.headers == [["user-agent": ["curl/8.0"]], ["x-count": ["5"]]])
    }

    @Test func indexedFiltersValidateTheirValues() throws {
        #expect(throws: AuditFilter.Invalid.self) { try AuditFilter(query: [("success", "maybe")]) }
        #expect(throws: AuditFilter.Invalid.self) { try AuditFilter(query: [("from", "yesterday")]) }
        #expect(throws: AuditFilter.Invalid.self) { try AuditFilter(query: [("tool", String(repeating: "t", count: 201))]) }
        #expect(throws: AuditFilter.Invalid.self) { try AuditFilter(query: [("user", String(repeating: "é", count: 201))]) }
        _ = try AuditFilter(query: [("user", String(repeating: "é", count: 200))])
        // from == to is an empty window, not an error; from after to is.
        // from == to, or from after to, is an empty window, not an error; an empty time is.
        _ = try AuditFilter(query: [("from", "2026-11-30T10:00:00Z"), ("to", "2026-11-30T10:00:00Z")])
        _ = try AuditFilter(query: [("from", "2026-11-30T10:00:01Z"), ("to", "2026-11-30T10:00:00Z")])
        #expect(throws: AuditFilter.Invalid.self) { try AuditFilter(query: [("to", "")]) }
    }

    @Test func hostileFiltersAreBounded() throws {
        let many = (0..<17).map { ("param.k\($0)", "v") }
        #expect(throws: AuditFilter.Invalid.self) { try AuditFilter(query: many) }
        _ = try AuditFilter(query: Array(many.prefix(16)))
        #expect(throws: AuditFilter.Invalid.self) { try AuditFilter(query: [("param.a.b.c.d.e.f.g.h.i", "v")]) }
        _ = try AuditFilter(query: [("param.a.b.c.d.e.f.g.h", "v")])
        #expect(throws: AuditFilter.Invalid.self) { try AuditFilter(query: (0..<65).map { ("x\($0)", "") }) }
        for number in ["1e999999", "-1e999999", "1e-999999", "1E400", String(repeating: "9", count: 400)] {
            #expect(throws: AuditFilter.Invalid.self) { try AuditFilter(query: [("param.message", number)]) }
            #expect(throws: AuditFilter.Invalid.self) { try AuditFilter(query: [("response.x", number)]) }
        }
        #expect(try AuditFilter.typed("1e308") == .number("1e308"))
        #expect(try AuditFilter.typed("\"1e999999\"") == .string("1e999999"))
    }

    @Test func subjectRestrictionIsACondition() throws {
        let filter = try AuditFilter(query: [("user", "apikey:other")], subject: "apikey:me")
        var bindings = PostgresBindings()
        let conditions = filter.conditions(into: &bindings)
        #expect(conditions.contains("e.user_subject = $1"))
        #expect(conditions.contains("e.user_subject = $2"))
    }

    @Test func aFilterOnThePayloadAloneIsAnsweredFromThePayloads() throws {
        let alone = try AuditFilter(query: [("param.key", "k42"), ("from", "2026-11-01T00:00:00Z"), ("to", "2026-11-02T00:00:00Z")])
        #expect(alone.onPayloadsAlone)
        var bindings = PostgresBindings()
        let conditions = alone.conditions(into: &bindings, payloadsAlone: true)
        #expect(conditions.allSatisfy { !$0.contains("e.") }, "\(conditions)")
        #expect(conditions.contains("p.ts >= $1") && conditions.contains("p.ts < $2"))
        let count = AuditQueryController.countQuery(alone, cap: 10).sql
        #expect(count.contains("FROM audit_payloads p WHERE") && !count.contains("audit_events"), "\(count)")
        #expect(AuditQueryController.keysQuery(alone, limit: 5).sql.contains("SELECT p.event_id, p.ts FROM audit_payloads p"))
        // Any condition on the event, or a caller restricted to its own rows, needs the join.
        for mixed in [
            try AuditFilter(query: [("param.key", "k42"), ("tool", "echo")]),
            try AuditFilter(query: [("param.key", "k42")], subject: "apikey:me"),
            try AuditFilter(query: [("has", "response_error"), ("success", "false")]),
        ] {
            #expect(!mixed.onPayloadsAlone)
            #expect(AuditQueryController.countQuery(mixed, cap: 10).sql.contains("FROM audit_events e JOIN audit_payloads p"))
        }
        #expect(!(try AuditFilter(query: [("tool", "echo")])).onPayloadsAlone)
    }

    @Test func qEscapesLikeWildcards() throws {
        #expect(AuditFilter.escapeLike("50%_off\\") == "50\\%\\_off\\\\")
        let filter = try AuditFilter(query: [("q", "a%b"), ("tool", "echo")])
        var bindings = PostgresBindings()
        let conditions = filter.conditions(into: &bindings)
        #expect(conditions.count == 2)
        #expect(conditions.allSatisfy { !$0.contains("a%b") })  // values are bound, never inlined
        #expect(bindings.count == 2)
    }
}

@Suite struct GoDurationTests {
    @Test func parseAndFormat() {
        #expect(GoDuration.parse("1m") == 60)
        #expect(GoDuration.parse("1h30m") == 5400)
        #expect(GoDuration.parse("90s") == 90)
        #expect(GoDuration.parse("1500ms") == 2)
        #expect(GoDuration.parse("500ms") == 1)
        #expect(GoDuration.parse("0s") == 1)
        #expect(GoDuration.parse("³s") == nil)
        #expect(GoDuration.parse("soon") == nil)
        #expect(GoDuration.parse("5") == nil)
        #expect(GoDuration.format(seconds: 60) == "1m0s")
        #expect(GoDuration.format(seconds: 3600) == "1h0m0s")
        #expect(GoDuration.format(seconds: 45) == "45s")
    }
}
