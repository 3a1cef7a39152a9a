import Foundation
import Logging
import PostgresNIO
import SharedProto

/// A key row with its bcrypt hash, for validation only; the hash never leaves the service.
struct StoredKey: Sendable {
    var info: APIKeyInfo
    var hash: String
}

/// The `keys.api_keys` table. Every statement is parameterised.
struct KeyStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    private static let columns = "id, name, description, created_by, created_at, expires_at, last_used_at, scopes, allowed_tools, revoked_at"

    /// Inserts a new key; `KeysError.duplicateName` when an active key has that name.
    func insert(id: String, hash: String, request: MintKeyRequest) async throws -> APIKeyInfo {
        do {
            let rows = try await client.query(
                """
                INSERT INTO api_keys (id, name, hash, description, created_by, expires_at, scopes, allowed_tools)
                VALUES (\(id), \(request.name), \(hash), \(request.description), \(request.createdBy), \(request.expiresAt),
                        \(request.scopes ?? []), \(request.allowedTools ?? []))
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            guard let info = try await Self.decode(rows).first else {
                throw KeysError.invalidRequest("the key was not stored")
            }
            return info
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw KeysError.duplicateName(request.name)
        }
    }

    func list(includeRevoked: Bool) async throws -> [APIKeyInfo] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM api_keys
            WHERE \(includeRevoked) OR revoked_at IS NULL
            ORDER BY created_at DESC, name
            """,
            logger: logger
        )
        return try await Self.decode(rows)
    }

    func activeKey(named name: String) async throws -> APIKeyInfo? {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.columns) FROM api_keys WHERE name = \(name) AND revoked_at IS NULL",
            logger: logger
        )
        return try await Self.decode(rows).first
    }

    /// Revokes the active key of that name and returns its id, or `nil` when there is none.
    func revoke(named name: String) async throws -> String? {
        let rows = try await client.query(
            "UPDATE api_keys SET revoked_at = now() WHERE name = \(name) AND revoked_at IS NULL RETURNING id",
            logger: logger
        )
        for try await id in rows.decode(String.self) {
            return id
        }
        return nil
    }

    /// The key with that id, revoked or not, with its hash.
    func find(id: String) async throws -> StoredKey? {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.columns), hash FROM api_keys WHERE id = \(id)",
            logger: logger
        )
        for try await row in rows {
            let columns = row.makeRandomAccess()
            return StoredKey(info: try Self.info(from: columns), hash: try columns["hash"].decode(String.self))
        }
        return nil
    }

    /// Writes many keys' last use in one statement; returns how many rows changed.
    func recordLastUsed(_ uses: [String: Date]) async throws -> Int {
        guard !uses.isEmpty else { return 0 }
        let ids = Array(uses.keys)
        let times = ids.map { uses[$0]! }
        let rows = try await client.query(
            """
            UPDATE api_keys SET last_used_at = used.at
            FROM unnest(\(ids)::text[], \(times)::timestamptz[]) AS used(id, at)
            WHERE api_keys.id = used.id AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < used.at)
            RETURNING api_keys.id
            """,
            logger: logger
        )
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [APIKeyInfo] {
        var keys: [APIKeyInfo] = []
        for try await row in rows {
            keys.append(try info(from: row.makeRandomAccess()))
        }
        return keys
    }

    private static func info(from row: PostgresRandomAccessRow) throws -> APIKeyInfo {
        APIKeyInfo(
            id: try row["id"].decode(String.self),
            name: try row["name"].decode(String.self),
            description: try row["description"].decode(String?.self),
            createdBy: try row["created_by"].decode(String?.self),
            createdAt: try row["created_at"].decode(Date.self),
            expiresAt: try row["expires_at"].decode(Date?.self),
            lastUsedAt: try row["last_used_at"].decode(Date?.self),
            scopes: try row["scopes"].decode([String].self),
            allowedTools: try row["allowed_tools"].decode([String].self),
            revokedAt: try row["revoked_at"].decode(Date?.self)
        )
    }
}
