import Testing
import TollgateCore

@Suite struct ConfigReaderTests {
    let port = ConfigKey("http.port", env: "T_PORT", .int, default: "8080", "port")
    let host = ConfigKey("http.host", env: "T_HOST", .string, default: "127.0.0.1", "host")
    let password = ConfigKey("postgres.password", env: "T_PASSWORD", .string, secret: true, "password")
    let origins = ConfigKey("cors.origins", env: "T_ORIGINS", .list, default: "*", "origins")
    let drain = ConfigKey("shutdown.drain", env: "T_DRAIN", .duration, default: "5s", "drain")
    let flag = ConfigKey("log.access", env: "T_FLAG", .bool, default: "true", "flag")

    let yaml = """
        http:
          port: 9000
          host: ${BIND:-0.0.0.0}
        postgres:
          password: ${DB_SECRET}
        cors:
          origins:
            - https://a.example
            - https://${ORIGIN_HOST}
        """

    @Test func environmentOverridesFileOverridesDefault() throws {
        let reader = try ConfigReader(environment: ["DB_SECRET": "s3cret", "ORIGIN_HOST": "b.example", "T_PORT": "9100"], yaml: yaml)
        #expect(try reader.int(port) == 9100)
        #expect(try reader.string(host) == "0.0.0.0")
        #expect(try reader.string(password) == "s3cret")
        #expect(reader.list(origins) == ["https://a.example", "https://b.example"])
        #expect(try reader.duration(drain) == .seconds(5))
        #expect(try reader.bool(flag))
    }

    @Test func fileValuesWithoutEnvironment() throws {
        let reader = try ConfigReader(environment: ["DB_SECRET": "x", "ORIGIN_HOST": "c"], yaml: yaml)
        #expect(try reader.int(port) == 9000)
    }

    @Test func listsFromEnvironmentAreCommaSeparated() throws {
        let reader = try ConfigReader(environment: ["T_ORIGINS": "https://x, https://y ,"])
        #expect(reader.list(origins) == ["https://x", "https://y"])
    }

    @Test func missingInterpolatedSecretStopsLoading() {
        #expect(throws: ConfigError.self) { try ConfigReader(environment: ["ORIGIN_HOST": "b"], yaml: yaml) }
    }

    @Test func invalidValuesAreReportedWithKeyAndVariable() throws {
        let reader = try ConfigReader(environment: ["T_PORT": "eighty", "T_FLAG": "maybe", "T_DRAIN": "soon"])
        #expect(throws: ConfigError("http.port (T_PORT) must be an integer, got 'eighty'")) { try reader.int(port) }
        #expect(throws: ConfigError.self) { try reader.bool(flag) }
        #expect(throws: ConfigError.self) { try reader.duration(drain) }
        #expect(throws: ConfigError("postgres.password (T_PASSWORD) is required")) { try reader.string(password) }
    }

    @Test func rangesAreEnforced() throws {
        let reader = try ConfigReader(environment: ["T_PORT": "70000"])
        #expect(throws: ConfigError.self) { try reader.int(port, in: 0...65535) }
    }

    @Test func invalidYAMLIsAnError() {
        #expect(throws: ConfigError.self) { try ConfigReader(environment: [:], yaml: "a: [unclosed") }
        #expect(throws: ConfigError.self) { try ConfigReader(environment: [:], yaml: "just a string") }
    }

    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("5s", .seconds(5)), ("2m", .seconds(120)),
        ("1h", .seconds(3600)), ("1.5", .milliseconds(1500)), ("0", .zero),
    ])
    func durations(text: String, expected: Duration) {
        #expect(ConfigReader.parseDuration(text) == expected)
    }

    @Test(arguments: ["", "-1s", "5 parsecs", "ms", "inf"])
    func invalidDurations(text: String) {
        #expect(ConfigReader.parseDuration(text) == nil)
    }
}
