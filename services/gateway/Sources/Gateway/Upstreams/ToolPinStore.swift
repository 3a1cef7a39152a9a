import Foundation
import Logging
import MCPCore
import PostgresNIO

/// Pins and reviews of upstream tool definitions (`gateway.tool_pins`, `gateway.tool_reviews`),
/// shared by every replica. The first definition seen of a tool is pinned; a later definition
/// with another fingerprint gets one review row (per new definition), which an operator
/// approves (the new definition becomes the pin) or rejects.
struct ToolPinStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// Why a tool is not served.
    struct Withholding: Sendable, Equatable {
        var reviewID: Int64
        var change: String
        var state: String
    }

    /// A definition that differs from its pin (or a new tool on an upstream seen before).
    struct Review: Sendable {
        var id: Int64
        var upstream: String
        var tool: String
        var exposedName: String
        var change: String
        var mode: String
        var state: String
        var oldHash: String?
        var newHash: String
        var oldDefinition: JSONValue?
        var newDefinition: JSONValue
        var seenAt: Date
        var decidedAt: Date?
        var decidedBy: String?
    }

    /// What one refresh of an upstream found: the tools to withhold, and the reviews opened now.
    struct Evaluation: Sendable {
        var withheld: [String: Withholding] = [:]
        var opened: [Review] = []
    }

    /// Compares an upstream's current tools with their pins. Replicas evaluate the same
    /// upstream under one advisory lock, so a change opens one review, not one per replica.
    func evaluate(upstream: String, mode: PinMode, tools: [UpstreamTool]) async throws -> Evaluation {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("tollgate.pins." + upstream)))", logger: logger)
            var pins: [String: String] = [:]
            for try await (tool, hash) in try await connection.query("SELECT tool, hash FROM tool_pins WHERE upstream = \(upstream)", logger: logger)
                .decode((String, String).self)
            {
                pins[tool] = hash
            }
            let known = !pins.isEmpty
            var evaluation = Evaluation()
            for tool in tools {
                // The pinned parts, in canonical form: what is hashed, stored and compared.
                let definition = ToolFingerprint.pinned(tool.definition.renamed(tool.originalName))
                let hash = ToolFingerprint.hash(pinned: definition)
                let pinned = pins[tool.originalName]
                if pinned == hash { continue }
                if pinned == nil, !known || mode == .warn {
                    try await pin(tool, definition: definition, hash: hash, upstream: upstream, by: nil, on: connection)
                    continue
                }
                let (review, opened) = try await review(
                    of: tool, definition: definition, hash: hash, change: pinned == nil ? "added" : "modified", oldHash: pinned, mode: mode,
                    upstream: upstream, on: connection
                )
                if opened { evaluation.opened.append(review) }
                if review.state == "approved" {
                    // Approved elsewhere after this refresh read the pins.
                    try await pin(tool, definition: definition, hash: hash, upstream: upstream, by: review.decidedBy, on: connection)
                } else if mode == .block {
                    evaluation.withheld[tool.exposedName] = Withholding(reviewID: review.id, change: review.change, state: review.state)
                }
            }
            return evaluation
        }
    }

    private func pin(
        _ tool: UpstreamTool, definition: JSONValue, hash: String, upstream: String, by operatorName: String?, on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO tool_pins (upstream, tool, hash, definition, pinned_by)
            VALUES (\(upstream), \(tool.originalName), \(hash), \(definition.jsonString)::jsonb, \(operatorName))
            ON CONFLICT (upstream, tool) DO UPDATE SET hash = EXCLUDED.hash, definition = EXCLUDED.definition, pinned_at = now(), pinned_by = EXCLUDED.pinned_by
            """,
            logger: logger
        )
    }

    /// The review of this definition, opened now if there is none yet.
    private func review(
        of tool: UpstreamTool, definition: JSONValue, hash: String, change: String, oldHash: String?, mode: PinMode, upstream: String,
        on connection: PostgresConnection
    ) async throws -> (Review, opened: Bool) {
        let inserted = try await connection.query(
            """
            INSERT INTO tool_reviews (upstream, tool, exposed_name, change, mode, old_hash, new_hash, old_definition, new_definition)
            SELECT \(upstream), \(tool.originalName), \(tool.exposedName), \(change), \(mode.rawValue), \(oldHash), \(hash), p.definition, \(definition.jsonString)::jsonb
            FROM (SELECT 1) AS one LEFT JOIN tool_pins p ON p.upstream = \(upstream) AND p.tool = \(tool.originalName)
            ON CONFLICT (upstream, tool, new_hash) DO NOTHING
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        if let review = try await Self.reviews(from: inserted).first { return (review, true) }
        let existing = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM tool_reviews WHERE upstream = \(upstream) AND tool = \(tool.originalName) AND new_hash = \(hash)",
            logger: logger
        )
        guard let review = try await Self.reviews(from: existing).first else { throw PinStoreError.missingReview }
        return (review, false)
    }

    /// Reviews, newest first, optionally of one state and one upstream.
    func reviews(state: String?, upstream: String?, limit: Int) async throws -> [Review] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM tool_reviews
            WHERE (\(state)::text IS NULL OR state = \(state)) AND (\(upstream)::text IS NULL OR upstream = \(upstream))
            ORDER BY id DESC LIMIT \(limit)
            """,
            logger: logger
        )
        return try await Self.reviews(from: rows)
    }

    /// What a decision did.
    enum Decision: Sendable {
        case decided(Review)
        case notFound
        /// Only a pending review can be rejected; a pending or rejected one can be approved.
        case notDecidable
    }

    /// Approves (the reviewed definition becomes the pin) or rejects a review.
    func decide(id: Int64, approve: Bool, operatorName: String) async throws -> Decision {
        // Outcomes are returned, not thrown: PostgresNIO wraps what a transaction throws.
        try await client.withTransaction(logger: logger) { connection -> Decision in
            let allowed = approve ? ["pending", "rejected"] : ["pending"]
            let updated = try await connection.query(
                """
                UPDATE tool_reviews SET state = \(approve ? "approved" : "rejected"), decided_at = now(), decided_by = \(operatorName)
                WHERE id = \(id) AND state = ANY(\(allowed)) RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            guard let review = try await Self.reviews(from: updated).first else {
                let exists = try await connection.query("SELECT 1 FROM tool_reviews WHERE id = \(id)", logger: logger)
                for try await _ in exists { return .notDecidable }
                return .notFound
            }
            if approve {
                try await connection.query(
                    """
                    INSERT INTO tool_pins (upstream, tool, hash, definition, pinned_by)
                    VALUES (\(review.upstream), \(review.tool), \(review.newHash), \(review.newDefinition.jsonString)::jsonb, \(operatorName))
                    ON CONFLICT (upstream, tool) DO UPDATE SET hash = EXCLUDED.hash, definition = EXCLUDED.definition, pinned_at = now(), pinned_by = EXCLUDED.pinned_by
                    """,
                    logger: logger
                )
            }
            return .decided(review)
        }
    }

    static let columns =
        "id, upstream, tool, exposed_name, change, mode, state, old_hash, new_hash, old_definition::text, new_definition::text, seen_at, decided_at, decided_by"

    private static func reviews(from rows: PostgresRowSequence) async throws -> [Review] {
        var reviews: [Review] = []
        for try await row in rows {
            let (id, upstream, tool, exposedName, change, mode, state, oldHash, newHash, oldDefinition, newDefinition, seenAt, decidedAt, decidedBy) =
                try row.decode((Int64, String, String, String, String, String, String, String?, String, String?, String, Date, Date?, String?).self)
            reviews.append(
                Review(
                    id: id, upstream: upstream, tool: tool, exposedName: exposedName, change: change, mode: mode, state: state, oldHash: oldHash, newHash: newHash,
                    oldDefinition: oldDefinition.flatMap { try? JSONParser.parse($0) }, newDefinition: (try? JSONParser.parse(newDefinition)) ?? .null,
                    seenAt: seenAt, decidedAt: decidedAt, decidedBy: decidedBy
                )
            )
        }
        return reviews
    }
}

enum PinStoreError: Error {
    /// A review that a conflicting insert said exists could not be read.
    case missingReview
}

extension JSONValue {
    /// This tool definition with `name` set to `name` (pins use the upstream's own names).
    func renamed(_ name: String) -> JSONValue {
        guard case .object(let members) = self else { return self }
        return .object(members.map { $0.0 == "name" ? ("name", .string(name)) : $0 })
    }
}
