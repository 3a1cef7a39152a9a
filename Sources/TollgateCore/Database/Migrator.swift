import Logging
import PostgresNIO

/// Applies a service's embedded migrations at start-up.
///
/// Replicas may start together, so the whole run holds a Postgres advisory lock keyed by
/// the schema: the second replica waits, then finds nothing left to do. Applied versions
/// are recorded with an MD5 of their SQL in `<schema>.schema_migrations`.
public struct Migrator: Sendable {
    public let schema: String
    public let migrations: [Migration]
    private let logger: Logger

    public init(schema: String, migrations: [Migration], logger: Logger) {
        self.schema = schema
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Applies what is missing and returns the versions applied by this call.
    @discardableResult
    public func run(on client: PostgresClient) async throws -> [Int] {
        guard Self.isValidIdentifier(schema) else { throw MigrationError.invalidSchemaName(schema) }
        var seen = Set<Int>()
        for migration in migrations where !seen.insert(migration.version).inserted {
            throw MigrationError.duplicateVersion(migration.version)
        }
        return try await client.withConnection { connection in
            let lockName = "tollgate.migrations.\(schema)"
            _ = try await connection.query("SELECT pg_advisory_lock(hashtext(\(lockName)))", logger: logger)
            do {
                let applied = try await applyPending(on: connection)
                _ = try await connection.query("SELECT pg_advisory_unlock(hashtext(\(lockName)))", logger: logger)
                return applied
            } catch {
                // Closing the session would release the lock too, but the connection goes back to the pool.
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext(\(lockName)))", logger: logger)
                throw error
            }
        }
    }

    private var table: String { "\"\(schema)\".schema_migrations" }

    private func applyPending(on connection: PostgresConnection) async throws -> [Int] {
        _ = try await connection.simpleQuery(
            """
            CREATE TABLE IF NOT EXISTS \(table) (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """
        ).get()

        var applied: [Int: String] = [:]
        let rows = try await connection.query("SELECT version, checksum FROM \(unescaped: table)", logger: logger)
        for try await (version, checksum) in rows.decode((Int, String).self) {
            applied[version] = checksum
        }
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        if let unknown = applied.keys.sorted().first(where: { known[$0] == nil }) {
            throw MigrationError.unknownAppliedVersion(unknown)
        }

        var newlyApplied: [Int] = []
        for migration in migrations {
            if let checksum = applied[migration.version] {
                let matches = try await connection.query("SELECT md5(\(migration.sql)) = \(checksum)", logger: logger)
                for try await (same) in matches.decode(Bool.self) where !same {
                    throw MigrationError.checksumMismatch(version: migration.version, name: migration.name)
                }
                continue
            }
            try await apply(migration, on: connection)
            newlyApplied.append(migration.version)
        }
        return newlyApplied
    }

    private func apply(_ migration: Migration, on connection: PostgresConnection) async throws {
        _ = try await connection.simpleQuery("BEGIN").get()
        do {
            _ = try await connection.simpleQuery("SET LOCAL search_path TO \"\(schema)\"").get()
            // PostgresNIO speaks only the extended protocol, which allows one statement per
            // query. PL/pgSQL's EXECUTE runs a multi-statement string; the SQL travels as a bind
            // parameter through a transaction-local setting, so it needs no quoting.
            _ = try await connection.query("SELECT set_config('tollgate.migration_sql', \(migration.sql), true)", logger: logger)
            _ = try await connection.simpleQuery("DO $$ BEGIN EXECUTE current_setting('tollgate.migration_sql'); END $$").get()
            _ = try await connection.query(
                """
                INSERT INTO \(unescaped: table) (version, name, checksum)
                VALUES (\(migration.version), \(migration.name), md5(\(migration.sql)))
                """,
                logger: logger
            )
            _ = try await connection.simpleQuery("COMMIT").get()
            logger.info("migration applied", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)", "schema": "\(schema)"])
        } catch {
            _ = try? await connection.simpleQuery("ROLLBACK").get()
            throw MigrationError.failed(version: migration.version, name: migration.name, reason: String(reflecting: error))
        }
    }

    static func isValidIdentifier(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || ("a"..."z").contains(first), name.count <= 63 else { return false }
        return name.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }
}
