import Foundation
import Logging
import PostgresNIO
import SharedProto

/// Where the real Postgres and Redis of the test run are. `./dev test` sets these; run the
/// integration tests through it. A missing variable fails the test rather than skipping it.
enum TestEnvironment {
    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "\(name) is not set: run the integration tests with ./dev test" }
    }

    static let environment = ProcessInfo.processInfo.environment

    static func require(_ name: String) throws -> String {
        guard let value = environment[name], !value.isEmpty else { throw Missing(name: name) }
        return value
    }

    static var logger: Logger {
        var logger = Logger(label: "integration-tests")
        logger.logLevel = .warning
        return logger
    }

    static func postgresPort() throws -> Int {
        guard let port = Int(try require("TOLLGATE_PG_PORT")) else { throw Missing(name: "TOLLGATE_PG_PORT") }
        return port
    }

    /// The test database (same roles and schemas as the dev database, separate data).
    static func testDatabase() throws -> String { try require("TOLLGATE_TEST_PG_DATABASE") }

    static func superuserConfiguration() throws -> PostgresClient.Configuration {
        try .init(
            host: "127.0.0.1", port: postgresPort(), username: "postgres",
            password: require("TOLLGATE_TEST_PG_SUPERUSER_PASSWORD"), database: testDatabase(), tls: .disable
        )
    }

    /// Connects as a service's own role, the way the service does.
    static func roleConfiguration(_ service: ServiceName) throws -> PostgresClient.Configuration {
        try .init(
            host: "127.0.0.1", port: postgresPort(), username: service.databaseRole,
            password: require("\(service.environmentPrefix)_DB_PASSWORD"), database: testDatabase(), tls: .disable
        )
    }

    /// Runs `body` with a running client, shutting it down afterwards.
    static func withClient<T: Sendable>(
        _ configuration: PostgresClient.Configuration,
        _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
