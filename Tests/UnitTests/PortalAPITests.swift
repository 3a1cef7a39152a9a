import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MCPCore
import Testing
import TollgateCore

@testable import PortalAPI

/// portal-api logic that needs no other service: the routes against the OpenAPI document,
/// authentication at the edge, replay eligibility, login redirects and configuration display.
@Suite struct PortalAPITests {
    static let devKey = "dev-key-0123456789abcdef"
    static let environment = [
        "TOLLGATE_PORTAL_DB_PASSWORD": "db-password-secret", "TOLLGATE_INTERNAL_TOKEN": "internal-token-0123456789",
        "TOLLGATE_DEV_API_KEY": devKey, "TOLLGATE_REDIS_URL": "redis://:redis-secret@127.0.0.1:1/0",
    ]

    /// The portal's router; its clients are created but never run: these routes must not need them.
    func withRouter(_ body: (Router<PortalRequestContext>) async throws -> Void) async throws {
        let config = try PortalAPIConfig(reader: ConfigReader(environment: Self.environment))
        let runtime = ServiceRuntime(service: .portalAPI, logger: Logger(label: "test"))
        let clients = ServiceApplication.Clients(settings: config.settings, logger: runtime.logger)
        let (router, services) = buildRouter(config: config, runtime: runtime, clients: clients)
        // An HTTP client must be shut down before it goes away, whatever the test did.
        var failure: (any Error)?
        do { try await body(router) } catch { failure = error }
        for case let http as ManagedHTTPClient in services { try await http.client.shutdown() }
        if let failure { throw failure }
    }

    /// Every route the router serves is documented, and every documented operation is served.
    @Test func openAPIDocumentMatchesTheRoutes() async throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        let undocumented: Set<String> = ["GET /healthz", "GET /readyz", "GET /metrics", "GET /portal", "GET /portal/**", "GET /portal/assets/{version}/{file}"]
        try await withRouter { router in
            let served = Set(router.routes.map { "\($0.method) \($0.path)" }).subtracting(undocumented)
            #expect(served == documented, "served but not documented: \(served.subtracting(documented)); documented but not served: \(documented.subtracting(served))")
        }
    }

    @Test func authenticationAtTheEdge() async throws {
        try await withRouter { router in try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/api/v1/portal/me", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix(#"Bearer realm="tollgate", resource_metadata=""#) == true)
                #expect(String(buffer: response.body).hasPrefix(#"{"error":"#))
            }
            try await client.execute(uri: "/api/v1/portal/me", method: .get, headers: [.init("X-API-Key")!: Self.devKey]) { response in
                #expect(response.status == .ok)
                let me = try JSONParser.parse(Array(buffer: response.body))
                #expect(me["subject"] == "apikey:dev")
                #expect(me["is_admin"] == true)
            }
            try await client.execute(uri: "/api/v1/portal/audit/meta", method: .get, headers: [.authorization: "Bearer \(Self.devKey)"]) { response in
                let meta = try JSONParser.parse(Array(buffer: response.body))
                #expect(meta["replay"]?["burst"] == .number("5"))
                #expect(meta["export"]?["max_rows"] == .number("100000"))
            }
            // A malformed cookie is refused without a database lookup.
            try await client.execute(uri: "/api/v1/portal/me", method: .get, headers: [.cookie: "tollgate_session=forged"]) { response in
                #expect(response.status == .unauthorized)
            }
        } }
    }

    @Test func configurationShownWithSecretsRedacted() throws {
        let config = try PortalAPIConfig(reader: ConfigReader(environment: Self.environment))
        let text = config.sanitized.jsonString
        for secret in ["db-password-secret", "internal-token-0123456789", Self.devKey, "redis-secret"] {
            #expect(!text.contains(secret))
        }
        #expect(config.sanitized["postgres.password"] == "[redacted]")
        #expect(config.sanitized["replay.burst"] == .number("5"))
    }

    @Test func replayEligibility() throws {
        func event(_ payload: String) throws -> JSONValue { try JSONParser.parse(#"{"tool_name":"echo","payload":\#(payload)}"#) }
        #expect(try ReplayController.replayableArguments(of: event(#"{"request_params":{"n":1.0,"s":"x"},"request_truncated":false}"#)) == #"{"n":1.0,"s":"x"}"#)
        #expect(try ReplayController.replayableArguments(of: event(#"{"request_params":null,"request_truncated":false}"#)) == "{}")
        #expect(throws: PortalError.self) { try ReplayController.replayableArguments(of: event("null")) }
        #expect(throws: PortalError.self) { try ReplayController.replayableArguments(of: event(#"{"request_params":{"a":[{"password":"[redacted]"}]}}"#)) }
        #expect(throws: PortalError.self) { try ReplayController.replayableArguments(of: event(#"{"request_params":{"a":1},"request_truncated":true}"#)) }
        // Denied calls, authentication failures and other methods never ran as tool calls.
        let denied = try JSONParser.parse(#"{"tool_name":"git__status","error_category":"denied","payload":{"request_params":{}}}"#)
        #expect(throws: PortalError.unprocessable("this call was denied to its caller; it cannot be replayed")) { try ReplayController.replayableArguments(of: denied) }
        let auth = try JSONParser.parse(#"{"tool_name":"(authentication)","error_category":"auth","payload":{"request_params":null}}"#)
        #expect(throws: PortalError.self) { try ReplayController.replayableArguments(of: auth) }
        let read = try JSONParser.parse(#"{"tool_name":"note://x","payload":{"jsonrpc_method":"resources/read","request_params":{}}}"#)
        #expect(throws: PortalError.self) { try ReplayController.replayableArguments(of: read) }
    }

    @Test func loginReturnsOnlyToLocalPaths() {
        #expect(LoginController.safeReturnPath("/portal/audit?x=1") == "/portal/audit?x=1")
        for hostile in ["https://evil.example", "//evil.example/x", "/\\evil", "javascript:alert(1)", nil, "/a b"] {
            #expect(LoginController.safeReturnPath(hostile) == "/portal/")
        }
    }

    @Test func sessionTokensAreRandomAndWellFormed() {
        let tokens = Set((0..<100).map { _ in BrowserSessionStore.randomToken() })
        #expect(tokens.count == 100)
        #expect(tokens.allSatisfy(BrowserSessionStore.isWellFormed))
        #expect(!BrowserSessionStore.isWellFormed("forged"))
        #expect(!BrowserSessionStore.isWellFormed(String(repeating: "a", count: 42) + "!"))
    }
}
