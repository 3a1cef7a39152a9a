import Crypto
import Foundation
import Logging
import MCPCore
import PostgresNIO
import SharedProto

/// Records each upstream's tool list in `gateway.upstream_tools` and every difference in
/// `gateway.catalog_changes`. Replicas refresh independently; a transaction-scoped advisory
/// lock per upstream makes the second replica see no difference instead of logging it twice.
struct CatalogSnapshotStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    static func hash(_ definition: JSONValue) -> String {
        SHA256.hash(data: Array(definition.jsonString.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The change log, newest first, optionally of one upstream and within `[from, to)`.
    func changes(upstream: String?, from: Date?, to: Date?, limit: Int) async throws -> [JSONValue] {
        let rows = try await client.query(
            """
            SELECT id, upstream, tool, change, old_hash, new_hash, at FROM catalog_changes
            WHERE (\(upstream)::text IS NULL OR upstream = \(upstream))
              AND (\(from)::timestamptz IS NULL OR at >= \(from)) AND (\(to)::timestamptz IS NULL OR at < \(to))
            ORDER BY at DESC, id DESC LIMIT \(limit)
            """,
            logger: logger
        )
        var changes: [JSONValue] = []
        for try await (id, upstream, tool, change, oldHash, newHash, at) in rows.decode((Int64, String, String, String, String?, String?, Date).self) {
            changes.append([
                "id": .int(Int(id)), "upstream": .string(upstream), "tool": .string(tool), "change": .string(change),
                "old_hash": oldHash.map { .string($0) } ?? .null, "new_hash": newHash.map { .string($0) } ?? .null,
                "at": .string(WireCoding.formatDate(at)),
            ])
        }
        return changes
    }

    func record(upstream: String, tools: [UpstreamTool]) async {
        do {
            try await client.withTransaction(logger: logger) { connection in
                let lock = "tollgate.catalog.\(upstream)"
                try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lock)))", logger: logger)
                var previous: [String: String] = [:]
                let rows = try await connection.query("SELECT name, hash FROM upstream_tools WHERE upstream = \(upstream)", logger: logger)
                for try await (name, hash) in rows.decode((String, String).self) { previous[name] = hash }

                var current: [String: (String, JSONValue)] = [:]
                for tool in tools { current[tool.originalName] = (Self.hash(tool.definition), tool.definition) }

                for (name, (hash, definition)) in current.sorted(by: { $0.key < $1.key }) {
                    let old = previous[name]
                    if old != hash {
                        let change = old == nil ? "added" : "modified"
                        try await connection.query(
                            "INSERT INTO catalog_changes (upstream, tool, change, old_hash, new_hash) VALUES (\(upstream), \(name), \(change), \(old), \(hash))",
                            logger: logger
                        )
                    }
                    try await connection.query(
                        """
                        INSERT INTO upstream_tools (upstream, name, hash, definition) VALUES (\(upstream), \(name), \(hash), \(definition.jsonString)::jsonb)
                        ON CONFLICT (upstream, name) DO UPDATE SET hash = EXCLUDED.hash, definition = EXCLUDED.definition, last_seen = now()
                        """,
                        logger: logger
                    )
                }
                for (name, hash) in previous where current[name] == nil {
                    try await connection.query(
                        "INSERT INTO catalog_changes (upstream, tool, change, old_hash) VALUES (\(upstream), \(name), 'removed', \(hash))",
                        logger: logger
                    )
                    try await connection.query("DELETE FROM upstream_tools WHERE upstream = \(upstream) AND name = \(name)", logger: logger)
                }
            }
        } catch {
            logger.warning("could not record the upstream catalog", metadata: ["upstream": "\(upstream)", "error": "\(String(reflecting: error))"])
        }
    }
}
