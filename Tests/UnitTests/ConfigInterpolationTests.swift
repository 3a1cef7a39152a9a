import Testing
import TollgateCore

@Suite struct ConfigInterpolationTests {
    let environment = ["HOST": "db.internal", "EMPTY": "", "PORT": "5433"]

    @Test func expandsVariables() throws {
        #expect(try ConfigInterpolation.expand("postgres://${HOST}:${PORT}/x", environment: environment) == "postgres://db.internal:5433/x")
    }

    @Test func usesDefaultWhenUnsetOrEmpty() throws {
        #expect(try ConfigInterpolation.expand("${MISSING:-fallback}", environment: environment) == "fallback")
        #expect(try ConfigInterpolation.expand("${EMPTY:-fallback}", environment: environment) == "fallback")
        #expect(try ConfigInterpolation.expand("${HOST:-fallback}", environment: environment) == "db.internal")
        #expect(try ConfigInterpolation.expand("${MISSING:-}", environment: environment) == "")
    }

    @Test func dollarDollarIsALiteralDollar() throws {
        #expect(try ConfigInterpolation.expand("pa$$word $5", environment: environment) == "pa$word $5")
    }

    @Test func unsetVariableWithoutDefaultIsAnError() {
        #expect(throws: ConfigError("${MISSING} is used in the configuration file but not set")) {
            try ConfigInterpolation.expand("${MISSING}", environment: environment)
        }
    }

    @Test func malformedReferencesAreErrors() {
        #expect(throws: ConfigError.self) { try ConfigInterpolation.expand("${HOST", environment: environment) }
        #expect(throws: ConfigError.self) { try ConfigInterpolation.expand("${1BAD}", environment: environment) }
        #expect(throws: ConfigError.self) { try ConfigInterpolation.expand("${}", environment: environment) }
    }
}
