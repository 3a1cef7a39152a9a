import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SharedProto
import Testing
import TollgateCore

/// The middleware and routes every service shares, exercised through Hummingbird's router tester.
@Suite struct StandardRouterTests {
    struct Throttled: PublicError {
        var status: HTTPResponse.Status { .tooManyRequests }
        var publicMessage: String { "slow down" }
        var headers: HTTPFields { [.retryAfter: "12"] }
    }

    struct DatabaseExploded: Error {
        let detail = "relation keys.api_keys: password=hunter2"
    }

    func makeApp(readiness: Readiness = Readiness()) throws -> some ApplicationProtocol {
        let settings = try ServiceSettings(
            service: .keys,
            reader: ConfigReader(environment: ["TOLLGATE_KEYS_DB_PASSWORD": "x", "TOLLGATE_INTERNAL_TOKEN": "0123456789abcdef"])
        )
        let runtime = ServiceRuntime(service: .keys, logger: Logger(label: "test"), readiness: readiness)
        let router = ServiceApplication.makeRouter(BasicRequestContext.self, settings: settings, runtime: runtime)
        router.get("/throttled") { _, _ -> String in throw Throttled() }
        router.get("/explode") { _, _ -> String in throw DatabaseExploded() }
        router.get("/http-error") { _, _ -> String in throw HTTPError(.badRequest, message: "limit must be 1..1000") }
        router.get("/id") { _, context -> String in context.id }
        return Application(router: router)
    }

    @Test(arguments: [["*"], ["https://console.example"]])
    func anErrorWithAnOriginKeepsItsStatusAndMessage(origins: [String]) async throws {
        let settings = try ServiceSettings(
            service: .keys,
            reader: ConfigReader(environment: ["TOLLGATE_KEYS_DB_PASSWORD": "x", "TOLLGATE_INTERNAL_TOKEN": "0123456789abcdef"])
        )
        let runtime = ServiceRuntime(service: .keys, logger: Logger(label: "test"), readiness: Readiness())
        let router = ServiceApplication.makeRouter(BasicRequestContext.self, settings: settings, runtime: runtime)
        router.add(middleware: CORSPolicy(allowedOrigins: origins))
        router.post("/throttled") { _, _ -> String in throw Throttled() }
        // Browsers send Origin on every POST, same-origin ones included.
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/throttled", method: .post, headers: [.origin: "https://console.example"]) { response in
                #expect(response.status == .tooManyRequests)
                #expect(String(buffer: response.body) == #"{"error":"slow down"}"#)
                #expect(response.headers[.retryAfter] == "12")
                #expect(response.headers[.accessControlAllowOrigin] != nil)
            }
        }
    }

    @Test func readinessFollowsTheLifecycle() async throws {
        let readiness = Readiness()
        try await makeApp(readiness: readiness).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == #"{"status":"starting"}"#)
            }
            readiness.markReady()
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
            readiness.markDraining()
            readiness.markReady()  // draining is final
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == #"{"status":"draining"}"#)
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func metricsArePrometheusText() async throws {
        try await makeApp().test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            }
        }
    }

    @Test func errorsUseTheAPIErrorFormat() async throws {
        try await makeApp().test(.router) { client in
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(body == ErrorBody(error: "not found"))
            }
            try await client.execute(uri: "/throttled", method: .get) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "12")
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(body == ErrorBody(error: "slow down"))
            }
            try await client.execute(uri: "/http-error", method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(body == ErrorBody(error: "limit must be 1..1000"))
            }
        }
    }

    @Test func unexpectedErrorsNeverLeakTheirText() async throws {
        try await makeApp().test(.router) { client in
            try await client.execute(uri: "/explode", method: .get) { response in
                #expect(response.status == .internalServerError)
                let body = String(buffer: response.body)
                #expect(body == #"{"error":"internal server error"}"#)
                #expect(!body.contains("hunter2"))
            }
        }
    }

    @Test func requestIDIsEchoedOrGenerated() async throws {
        try await makeApp().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get, headers: [.init("X-Request-Id")!: "trace-42:a"]) { response in
                #expect(response.headers[.init("X-Request-Id")!] == "trace-42:a")
            }
            let hostile = String(repeating: "x", count: 200)
            try await client.execute(uri: "/healthz", method: .get, headers: [.init("X-Request-Id")!: hostile]) { response in
                let id = try #require(response.headers[.init("X-Request-Id")!])
                #expect(id != hostile && !id.isEmpty)
            }
            try await client.execute(uri: "/healthz", method: .get, headers: [.init("X-Request-Id")!: "a b\"c"]) { response in
                #expect(response.headers[.init("X-Request-Id")!] != "a b\"c")
            }
            // Handlers can read the effective id through Hummingbird's context.id.
            try await client.execute(uri: "/id", method: .get, headers: [.init("X-Request-Id")!: "from-caller"]) { response in
                #expect(String(buffer: response.body) == "from-caller")
            }
        }
    }
}
