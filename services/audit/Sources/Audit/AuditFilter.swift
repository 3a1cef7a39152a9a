import Foundation
import MCPCore
import PostgresNIO
import SharedProto

/// The filters of `/audit/events` and `/audit/export`, as seed 002 defines them, compiled to
/// parameterised SQL. Indexed columns: from, to, tool, user, session, success, q. JSONB
/// containment against the payload row: `param.<path>`, `response.<path>`, `header.<name>`,
/// `has=<column>`. Bad paths (empty segments, dotted header names) and unknown `has=` columns
/// are dropped silently, as the seed specifies; malformed values of the indexed filters are 400s.
struct AuditFilter: Equatable {
    static let hasColumns: Set<String> = ["request_params", "request_headers", "response_result", "response_error", "notifications", "replayed_from"]

    var from: Date?
    var to: Date?
    var tool: String?
    var user: String?
    var session: String?
    var success: Bool?
    var q: String?
    /// `request_params @> <document>` conditions.
    var params: [JSONValue] = []
    /// `response_result @> <document>` conditions.
    var responses: [JSONValue] = []
    /// `request_headers @> <document>` conditions.
    var headers: [JSONValue] = []
    var has: [String] = []
    /// Only rows of this subject (`InternalAPI.Audit.subjectHeader`): callers without the
    /// `audit` scope see their own rows only.
    var subject: String?

    struct Invalid: Error { var message: String }

    /// Bounds that keep one query's cost bounded: every JSON filter is a containment test.
    static let maximumParameters = 64
    static let maximumJSONFilters = 16
    static let maximumPathDepth = 8
    static let maximumValueLength = 200
    static let maximumJSONValueLength = 1024

    init(query: [(String, String)], subject: String? = nil) throws {
        self.subject = subject
        guard query.count <= Self.maximumParameters else { throw Invalid(message: "at most \(Self.maximumParameters) query parameters") }
        for (key, value) in query {
            // Postgres text cannot hold NUL: refuse it where a value reaches a query, rather than
            // fail there. (`has` values are matched against a fixed list, and unknown keys are
            // ignored, so NUL in those is harmless and dropped like any other unknown value.)
            let reachesQuery = ["tool", "user", "session", "q"].contains(key) || key.hasPrefix("param.") || key.hasPrefix("response.") || key.hasPrefix("header.")
            guard !reachesQuery || (!key.contains("\u{0}") && !value.contains("\u{0}")) else {
                throw Invalid(message: "query parameters must not contain NUL characters")
            }
            switch key {
            case "from": from = try Self.date(value, "from")
            case "to": to = try Self.date(value, "to")
            case "tool": tool = try Self.text(value, "tool")
            case "user": user = try Self.text(value, "user")
            case "session": session = try Self.text(value, "session")
            case "q": q = try Self.text(value, "q")
            case "success":
                switch value {
                case "": success = nil
                case "true": success = true
                case "false": success = false
                default: throw Invalid(message: "success must be true or false")
                }
            case "has":
                if Self.hasColumns.contains(value), !has.contains(value) { has.append(value) }
            default:
                if key.hasPrefix("param."), let path = try Self.path(key.dropFirst(6), key) {
                    params.append(Self.document(path, try Self.typed(value, key)))
                } else if key.hasPrefix("response."), let path = try Self.path(key.dropFirst(9), key) {
                    responses.append(Self.document(path, try Self.typed(value, key)))
                } else if key.hasPrefix("header.") {
                    let name = key.dropFirst(7)
                    // Header names are flat: a dotted name cannot match and is dropped.
                    guard !name.isEmpty, !name.contains(".") else { continue }
                    guard value.utf8.count <= Self.maximumJSONValueLength else { throw Invalid(message: "\(key.prefix(64)): at most \(Self.maximumJSONValueLength) bytes") }
                    headers.append(.object([(name.lowercased(), .array([.string(value)]))]))
                }
                guard params.count + responses.count + headers.count <= Self.maximumJSONFilters else {
                    throw Invalid(message: "at most \(Self.maximumJSONFilters) param., response. and header. filters")
                }
            }
        }
    }

    var needsPayload: Bool { !params.isEmpty || !responses.isEmpty || !headers.isEmpty || !has.isEmpty }

    /// True when every condition is on the payload row or the time range (which the payload
    /// row carries too): its matches are found in `audit_payloads` alone, without joining each
    /// to its event. A payload row is written in its event's transaction and dropped with its
    /// partition, so the two tables hold the same keys.
    var onPayloadsAlone: Bool {
        needsPayload && subject == nil && tool == nil && user == nil && session == nil && success == nil && q == nil
    }

    /// `WHERE` conditions (joined with AND) over `e` (events) and `p` (payloads), with their
    /// bindings; with `payloadsAlone` (for a filter that is `onPayloadsAlone`), over `p` only.
    func conditions(into bindings: inout PostgresBindings, payloadsAlone: Bool = false) -> [String] {
        var sql: [String] = []
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        if let subject { sql.append("e.user_subject = \(bind(subject))") }
        if let from {
            let placeholder = bind(from)
            if !payloadsAlone { sql.append("e.ts >= \(placeholder)") }
            // The same bound on the payload side lets Postgres skip its partitions too.
            if needsPayload { sql.append("p.ts >= \(placeholder)") }
        }
        if let to {
            let placeholder = bind(to)
            if !payloadsAlone { sql.append("e.ts < \(placeholder)") }
            if needsPayload { sql.append("p.ts < \(placeholder)") }
        }
        if let tool { sql.append("e.tool_name = \(bind(tool))") }
        if let user { sql.append("e.user_subject = \(bind(user))") }
        if let session { sql.append("e.session_id = \(bind(session))") }
        if let success { sql.append("e.success = \(bind(success))") }
        if let q {
            let pattern = "%" + Self.escapeLike(q) + "%"
            let placeholder = bind(pattern)
            sql.append("(e.tool_name ILIKE \(placeholder) ESCAPE '\\' OR e.error_message ILIKE \(placeholder) ESCAPE '\\' OR e.user_subject ILIKE \(placeholder) ESCAPE '\\')")
        }
        for document in params { sql.append("p.request_params @> \(bind(document.jsonString))::jsonb") }
        for document in responses { sql.append("p.response_result @> \(bind(document.jsonString))::jsonb") }
        for document in headers { sql.append("p.request_headers @> \(bind(document.jsonString))::jsonb") }
        for column in has {
            // Not NULL and not an empty container, null, or empty text.
            sql.append("(p.\(column) IS NOT NULL AND p.\(column)::text NOT IN ('{}', '[]', 'null', ''))")
        }
        return sql
    }

    /// Type detection of bare values: booleans, numbers, otherwise strings; quotes force a
    /// string. A number Postgres cannot hold (`1e999999`) is refused here, before any answer
    /// starts, instead of failing the query (or an export or stream already under way).
    static func typed(_ value: String, _ key: String = "value") throws -> JSONValue {
        guard value.utf8.count <= maximumJSONValueLength else { throw Invalid(message: "\(key.prefix(64)): at most \(maximumJSONValueLength) bytes") }
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { return .string(String(value.dropFirst().dropLast())) }
        if value == "true" { return .bool(true) }
        if value == "false" { return .bool(false) }
        if let number = try? JSONParser.parse(value), case .number(let text) = number {
            guard isStorableNumber(text) else { throw Invalid(message: "\(key.prefix(64)): the number \(text.prefix(32)) is out of range") }
            return number
        }
        return .string(value)
    }

    /// Whether a JSON number fits Postgres `numeric` comfortably and is finite as a double:
    /// at most 100 characters and an exponent within ±308.
    static func isStorableNumber(_ text: String) -> Bool {
        guard text.utf8.count <= 100, let double = Double(text), double.isFinite else { return false }
        guard let e = text.lowercased().firstIndex(of: "e") else { return true }
        guard let exponent = Int(text[text.index(after: e)...].replacingOccurrences(of: "+", with: "")) else { return false }
        return (-308...308).contains(exponent)
    }

    /// A dotted path; `nil` when a segment is empty (it cannot match any payload, and is
    /// dropped as seed 002 says). Deeper than `maximumPathDepth` is refused.
    static func path(_ text: Substring, _ key: String = "path") throws -> [String]? {
        let segments = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !segments.isEmpty, segments.allSatisfy({ !$0.isEmpty }) else { return nil }
        guard segments.count <= maximumPathDepth else { throw Invalid(message: "\(key.prefix(64)): at most \(maximumPathDepth) path segments") }
        guard text.utf8.count <= maximumJSONValueLength else { throw Invalid(message: "\(key.prefix(64)): path too long") }
        return segments
    }

    /// An indexed filter's value: empty means unset; longer than `maximumValueLength` is refused.
    private static func text(_ value: String, _ name: String) throws -> String? {
        guard value.unicodeScalars.count <= maximumValueLength else { throw Invalid(message: "\(name) must be at most \(maximumValueLength) characters") }
        return value.isEmpty ? nil : value
    }

    static func document(_ path: [String], _ value: JSONValue) -> JSONValue {
        path.reversed().reduce(value) { inner, key in .object([(key, inner)]) }
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    /// An RFC 3339 time; an empty value is malformed, not "unset" (omit the parameter instead).
    private static func date(_ text: String, _ name: String) throws -> Date? {
        guard let date = WireCoding.parseDate(text) else { throw Invalid(message: "\(name) must be an RFC 3339 time") }
        return date
    }
}
