import Audit
import Foundation
import Gateway
import Keys
import PortalAPI
import SharedProto
import Testing
import TollgateCore

@Suite struct ServiceSettingsTests {
    let base = [
        "TOLLGATE_KEYS_DB_PASSWORD": "pw",
        "TOLLGATE_INTERNAL_TOKEN": "0123456789abcdef",
    ]

    @Test func defaultsForEachService() throws {
        for service in ServiceName.allCases {
            var environment = base
            environment["\(service.environmentPrefix)_DB_PASSWORD"] = "pw"
            let settings = try ServiceSettings(service: service, reader: ConfigReader(environment: environment))
            #expect(settings.port == service.defaultPort)
            #expect(settings.postgres.user == "tollgate_\(service.schema)")
            #expect(settings.postgres.schema == service.schema)
            #expect(settings.drainPeriod == .seconds(5))
            #expect(settings.redis.url.port == 6379)
        }
    }

    @Test func portsAndRedisFromEnvironment() throws {
        var environment = base
        environment["TOLLGATE_KEYS_PORT"] = "9182"
        environment["TOLLGATE_REDIS_URL"] = "redis://:pa%40ss@10.0.0.5:6380/3"
        let settings = try ServiceSettings(service: .keys, reader: ConfigReader(environment: environment))
        #expect(settings.port == 9182)
        #expect(settings.redis.url == RedisURLFixture.expected)
    }

    @Test func requiredSecretsAndBadValuesStopStartUp() throws {
        #expect(throws: ConfigError("postgres.password (TOLLGATE_KEYS_DB_PASSWORD) is required")) {
            try ServiceSettings(service: .keys, reader: ConfigReader(environment: ["TOLLGATE_INTERNAL_TOKEN": "0123456789abcdef"]))
        }
        var shortToken = base
        shortToken["TOLLGATE_INTERNAL_TOKEN"] = "short"
        #expect(throws: ConfigError.self) { try ServiceSettings(service: .keys, reader: ConfigReader(environment: shortToken)) }
        var badRedis = base
        badRedis["TOLLGATE_REDIS_URL"] = "http://localhost"
        #expect(throws: ConfigError.self) { try ServiceSettings(service: .keys, reader: ConfigReader(environment: badRedis)) }
        var badLevel = base
        badLevel["TOLLGATE_LOG_LEVEL"] = "loud"
        #expect(throws: ConfigError.self) { try ServiceSettings(service: .keys, reader: ConfigReader(environment: badLevel)) }
    }

    /// The README's configuration reference (`./dev docs`) is exactly what the services declare.
    @Test func readmeDocumentsEveryKey() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let references = [GatewayConfig.reference, AuditConfig.reference, KeysConfig.reference, PortalAPIConfig.reference]
        for reference in references {
            #expect(text.contains(reference), "README's configuration reference is stale: run ./dev docs")
        }
    }
}

import TollgateRedis

enum RedisURLFixture {
    static let expected = RedisURL(host: "10.0.0.5", port: 6380, username: nil, password: "pa@ss", database: 3)
}
