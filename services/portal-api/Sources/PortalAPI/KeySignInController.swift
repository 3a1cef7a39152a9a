import Foundation
import Hummingbird
import Logging
import TollgateCore
import TollgateAuth

/// `POST /portal/auth/key`: the console's sign-in with an API key. The key is checked like any
/// other credential and traded for the same server-side session cookie as OIDC login, so the
/// browser never keeps the key (not in storage, not in a cookie). The session remembers the
/// key's name, and revoking the key ends it; it never outlives the key's expiry.
struct KeySignInController: Sendable {
    let authenticator: Authenticator
    let sessions: BrowserSessionStore
    let sessionTTL: Duration
    let cookieName: String
    let cookieSecure: Bool
    let resourceMetadataURL: @Sendable (Request) -> String
    let logger: Logger

    /// A sign-in body: `{"key": "..."}`; keys are far shorter than this.
    static let maximumBodyBytes = 4096

    func addRoutes(to router: Router<PortalRequestContext>) {
        router.post("/portal/auth/key") { request, context in try await signIn(request, context) }
    }

    private func signIn(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        // A cross-site form cannot set this header, so no other site can sign a browser in
        // under a key of its choosing (login CSRF).
        guard PortalAuthMiddleware.hasCSRFHeader(request) else { throw PortalError.forbidden("X-Requested-With header required for sign-in") }
        struct Body: Decodable { let key: String }
        let key = try await request.decodeJSON(Body.self, limit: Self.maximumBodyBytes).key
        guard !key.isEmpty else { throw PortalError.badRequest("key must be a non-empty string") }
        guard key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw PortalError.unauthenticated("the API key was refused", resourceMetadata: resourceMetadataURL(request)) }
        let identity: CallerIdentity
        var ttl = sessionTTL
        do {
            let (caller, expiresAt) = try await authenticator.apiKey(key)
            identity = caller
            // A session never outlives its key.
            if let expiresAt { ttl = min(ttl, .seconds(max(1, Int(expiresAt.timeIntervalSinceNow)))) }
        } catch .unavailable {
            throw PortalError.unavailable(AuthenticationFailure.unavailable.message)
        } catch {
            throw PortalError.unauthenticated("the API key was refused", resourceMetadata: resourceMetadataURL(request))
        }
        let token: String
        do {
            token = try await sessions.create(for: identity, ttl: ttl)
        } catch {
            logger.warning("could not store a session", metadata: ["error": "\(String(reflecting: error))"])
            throw PortalError.unavailable("sign-in is temporarily unavailable")
        }
        var response = Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: PortalInfoController.identityJSON(identity).jsonString))
        )
        response.setCookie(LoginController.sessionCookie(name: cookieName, value: token, maxAge: Int(ttl.components.seconds), secure: cookieSecure))
        return response
    }
}
