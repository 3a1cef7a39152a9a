import Audit
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Keys
import Logging
import PortalAPI
import SharedProto
import Testing
import TollgateCore

/// Each service's real `buildApplication`, served live against the test database and Redis.
// A hung dependency fails the suite instead of stalling the whole CI run.
@Suite(.timeLimit(.minutes(3))) struct ServiceApplicationTests {
    static func environment(for service: ServiceName) throws -> [String: String] {
        [
            "TOLLGATE_PG_HOST": "127.0.0.1",
            "TOLLGATE_PG_PORT": try TestEnvironment.require("TOLLGATE_PG_PORT"),
            "TOLLGATE_PG_DATABASE": try TestEnvironment.testDatabase(),
            "TOLLGATE_PG_TLS": "disable",
            "\(service.environmentPrefix)_DB_PASSWORD": try TestEnvironment.require("\(service.environmentPrefix)_DB_PASSWORD"),
            "TOLLGATE_REDIS_URL": try TestEnvironment.require("TOLLGATE_REDIS_URL"),
            "TOLLGATE_INTERNAL_TOKEN": "integration-test-internal-token",
            "TOLLGATE_ACCESS_LOG": "false",
        ]
    }

    static func runtime(_ service: ServiceName) -> ServiceRuntime {
        ServiceRuntime(service: service, logger: TestEnvironment.logger)
    }

    /// Polls `/readyz` until it answers 200 (start-up runs migrations first), for at most 30 s.
    static func becomesReady(_ client: some TestClientProtocol) async throws -> Bool {
        for _ in 0..<300 {
            let status = try await client.execute(uri: "/readyz", method: .get) { $0.status }
            if status == .ok { return true }
            #expect(status == .serviceUnavailable)
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    static func checkStandardRoutes(_ client: some TestClientProtocol, _ service: ServiceName) async throws {
        try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        #expect(try await becomesReady(client))
        try await client.execute(uri: "/metrics", method: .get) { response in
            #expect(response.status == .ok)
        }
        try await client.execute(uri: "/no/such/route", method: .get) { response in
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.headers[.server] == "tollgate-\(service.rawValue)")
        }
    }

    @Test func gateway() async throws {
        let config = try GatewayConfig(reader: ConfigReader(environment: Self.environment(for: .gateway)))
        try await Gateway.buildApplication(config: config, runtime: Self.runtime(.gateway)).test(.live) { try await Self.checkStandardRoutes($0, .gateway) }
    }

    @Test func audit() async throws {
        let config = try AuditConfig(reader: ConfigReader(environment: Self.environment(for: .audit)))
        try await Audit.buildApplication(config: config, runtime: Self.runtime(.audit)).test(.live) { try await Self.checkStandardRoutes($0, .audit) }
    }

    @Test func keys() async throws {
        let config = try KeysConfig(reader: ConfigReader(environment: Self.environment(for: .keys)))
        try await Keys.buildApplication(config: config, runtime: Self.runtime(.keys)).test(.live) { try await Self.checkStandardRoutes($0, .keys) }
    }

    @Test func portalAPI() async throws {
        let config = try PortalAPIConfig(reader: ConfigReader(environment: Self.environment(for: .portalAPI)))
        try await PortalAPI.buildApplication(config: config, runtime: Self.runtime(.portalAPI)).test(.live) { try await Self.checkStandardRoutes($0, .portalAPI) }
    }

    /// With Postgres unreachable the service stays alive but not ready (it keeps retrying).
    @Test func notReadyWhilePostgresIsUnreachable() async throws {
        var environment = try Self.environment(for: .keys)
        environment["TOLLGATE_PG_PORT"] = "\(try RedisServerProcess.freePort())"
        let config = try KeysConfig(reader: ConfigReader(environment: environment))
        try await Keys.buildApplication(config: config, runtime: Self.runtime(.keys)).test(.live) { client in
            for _ in 0..<5 {
                try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(String(buffer: response.body) == #"{"status":"starting"}"#)
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}
