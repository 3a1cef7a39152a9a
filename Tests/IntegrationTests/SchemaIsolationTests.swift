import PostgresNIO
import SharedProto
import Testing
import TollgateCore

/// Each service's role can use its own schema and nothing else (deploy/postgres/init.sql).
// A hung dependency fails the suite instead of stalling the whole CI run.
@Suite(.timeLimit(.minutes(3))) struct SchemaIsolationTests {
    /// Applies every service's real migrations as its own role, twice.
    @Test(arguments: ServiceName.allCases)
    func serviceMigrationsApplyTwiceAsTheServiceRole(service: ServiceName) async throws {
        try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(service)) { client in
            let migrator = Migrator(schema: service.schema, migrations: ServiceMigrationsFixture.all(service), logger: TestEnvironment.logger)
            try await migrator.run(on: client)
            #expect(try await migrator.run(on: client) == [])
            // search_path points at the role's own schema.
            for try await path in try await client.query("SELECT current_schema()").decode(String.self) {
                #expect(path == service.schema)
            }
        }
    }

    @Test(arguments: ServiceName.allCases)
    func aRoleCannotReadAnotherServicesSchema(service: ServiceName) async throws {
        // Make sure every schema has its migrations table.
        for owner in ServiceName.allCases {
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(owner)) { client in
                try await Migrator(schema: owner.schema, migrations: ServiceMigrationsFixture.all(owner), logger: TestEnvironment.logger).run(on: client)
            }
        }
        try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(service)) { client in
            for other in ServiceName.allCases where other != service {
                let error = await #expect(throws: PSQLError.self) {
                    try await client.query("SELECT count(*) FROM \(unescaped: other.schema).schema_migrations")
                }
                #expect(error?.serverInfo?[.sqlState] == "42501", "\(service.databaseRole) read schema \(other.schema)")
                let create = await #expect(throws: PSQLError.self) {
                    try await client.query("CREATE TABLE \(unescaped: other.schema).intruder (id INT)")
                }
                #expect(create?.serverInfo?[.sqlState] == "42501")
            }
            // Nor can it create objects in public.
            let publicCreate = await #expect(throws: PSQLError.self) {
                try await client.query("CREATE TABLE public.intruder (id INT)")
            }
            #expect(publicCreate?.serverInfo?[.sqlState] == "42501")
            // Its own schema works.
            try await client.query("SELECT count(*) FROM \(unescaped: service.schema).schema_migrations")
        }
    }
}
