import Foundation
import Logging
import PostgresNIO
import Testing
import TollgateCore

/// Migrations against the real test database, each test in a fresh schema.
// A hung dependency fails the suite instead of stalling the whole CI run.
@Suite(.timeLimit(.minutes(3))) struct MigratorTests {
    static let migrations = [
        Migration(version: 1, name: "create_widgets", sql: "CREATE TABLE widgets (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL);"),
        Migration(version: 2, name: "index_widgets", sql: "CREATE INDEX widgets_name_idx ON widgets (name); ALTER TABLE widgets ADD COLUMN size INT;"),
        Migration(version: 3, name: "seed", sql: "INSERT INTO widgets (name, size) VALUES ('a', 1), ('b', 2);"),
    ]

    /// Creates a throwaway schema and drops it afterwards.
    func withSchema(_ body: @Sendable (PostgresClient, String) async throws -> Void) async throws {
        let schema = "t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        try await TestEnvironment.withClient(try TestEnvironment.superuserConfiguration()) { client in
            try await client.query("CREATE SCHEMA \(unescaped: schema)")
            do {
                try await body(client, schema)
            } catch {
                try? await client.query("DROP SCHEMA \(unescaped: schema) CASCADE")
                throw error
            }
            try await client.query("DROP SCHEMA \(unescaped: schema) CASCADE")
        }
    }

    func appliedVersions(_ client: PostgresClient, _ schema: String) async throws -> [Int] {
        var versions: [Int] = []
        for try await version in try await client.query("SELECT version FROM \(unescaped: schema).schema_migrations ORDER BY version").decode(Int.self) {
            versions.append(version)
        }
        return versions
    }

    @Test func appliesOnceAndIsIdempotent() async throws {
        try await withSchema { client, schema in
            let migrator = Migrator(schema: schema, migrations: Self.migrations, logger: TestEnvironment.logger)
            #expect(try await migrator.run(on: client) == [1, 2, 3])
            #expect(try await migrator.run(on: client) == [])
            #expect(try await appliedVersions(client, schema) == [1, 2, 3])
            var count = 0
            for try await rows in try await client.query("SELECT count(*)::int FROM \(unescaped: schema).widgets").decode(Int.self) {
                count = rows
            }
            #expect(count == 2)  // the seed ran once
        }
    }

    @Test func newMigrationsApplyOnTopOfOldOnes() async throws {
        try await withSchema { client, schema in
            let first = try await Migrator(schema: schema, migrations: Array(Self.migrations.prefix(1)), logger: TestEnvironment.logger).run(on: client)
            let rest = try await Migrator(schema: schema, migrations: Self.migrations, logger: TestEnvironment.logger).run(on: client)
            #expect(first == [1])
            #expect(rest == [2, 3])
        }
    }

    @Test func replicasStartingTogetherDoNotRace() async throws {
        try await withSchema { _, schema in
            // Separate clients, as separate replicas would have.
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await TestEnvironment.withClient(try TestEnvironment.superuserConfiguration()) { client in
                            try await Migrator(schema: schema, migrations: Self.migrations, logger: TestEnvironment.logger).run(on: client)
                        }
                    }
                }
                var all: [[Int]] = []
                for try await versions in group { all.append(versions) }
                return all
            }
            #expect(applied.flatMap { $0 }.sorted() == [1, 2, 3])
            #expect(applied.filter { !$0.isEmpty }.count == 1)
        }
    }

    @Test func editedHistoryIsRefused() async throws {
        try await withSchema { client, schema in
            try await Migrator(schema: schema, migrations: Self.migrations, logger: TestEnvironment.logger).run(on: client)
            var edited = Self.migrations
            edited[0] = Migration(version: 1, name: "create_widgets", sql: "CREATE TABLE widgets (id INT);")
            await #expect(throws: MigrationError.self) {
                try await Migrator(schema: schema, migrations: edited, logger: TestEnvironment.logger).run(on: client)
            }
            // A database newer than the binary is refused too.
            await #expect(throws: MigrationError.self) {
                try await Migrator(schema: schema, migrations: Array(Self.migrations.prefix(2)), logger: TestEnvironment.logger).run(on: client)
            }
        }
    }

    @Test func aFailingMigrationRollsBackAndKeepsEarlierOnes() async throws {
        try await withSchema { client, schema in
            let broken = Self.migrations + [
                Migration(version: 4, name: "broken", sql: "CREATE TABLE half (id INT); SELECT * FROM no_such_table;")
            ]
            await #expect(throws: MigrationError.self) {
                try await Migrator(schema: schema, migrations: broken, logger: TestEnvironment.logger).run(on: client)
            }
            #expect(try await appliedVersions(client, schema) == [1, 2, 3])
            var halfExists = true
            for try await exists in try await client.query("SELECT to_regclass(\(schema + ".half")) IS NOT NULL").decode(Bool.self) {
                halfExists = exists
            }
            #expect(!halfExists)
            // The lock was released: a fixed list applies.
            #expect(try await Migrator(schema: schema, migrations: Self.migrations, logger: TestEnvironment.logger).run(on: client) == [])
        }
    }

    @Test func invalidSchemaNamesAreRefused() async throws {
        try await TestEnvironment.withClient(try TestEnvironment.superuserConfiguration()) { client in
            await #expect(throws: MigrationError.self) {
                try await Migrator(schema: "x\"; DROP SCHEMA keys; --", migrations: [], logger: TestEnvironment.logger).run(on: client)
            }
        }
    }
}
