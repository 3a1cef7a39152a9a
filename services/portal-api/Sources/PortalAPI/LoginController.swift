import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import Logging
import MCPCore
import NIOCore
import TollgateAuth
import TollgateCore

/// Browser login: OIDC authorization code flow with PKCE (S256) and a nonce.
/// `/portal/auth/login` sends the browser to the issuer, `/portal/auth/callback` exchanges the
/// code, verifies the ID token (signature from the JWKS, `iss`, `aud` = our client id, expiry,
/// nonce) and sets an HttpOnly, SameSite=Lax cookie naming a server-side session;
/// `POST /portal/auth/logout` ends that session.
struct LoginController: Sendable {
    let login: PortalAPIConfig.Login?
    let oidc: OIDCVerifier?
    let sessions: BrowserSessionStore
    let http: HTTPClient
    let sessionTTL: Duration
    let cookieName: String
    let cookieSecure: Bool
    let baseURL: @Sendable (Request) -> String
    let logger: Logger

    static let attemptTTL = Duration.seconds(600)

    func addRoutes(to router: Router<PortalRequestContext>) {
        router.get("/portal/auth/login") { request, _ in try await start(request) }
        router.get("/portal/auth/callback") { request, _ in try await callback(request) }
        router.post("/portal/auth/logout") { request, _ in try await logout(request) }
    }

    private func configured() throws -> (PortalAPIConfig.Login, OIDCVerifier) {
        guard let login, let oidc else { throw PortalError.unavailable("browser login is not configured (login.client_id)") }
        return (login, oidc)
    }

    private func start(_ request: Request) async throws -> Response {
        let (login, oidc) = try configured()
        let discovery = try await discovery(oidc)
        guard let authorize = discovery["authorization_endpoint"]?.stringValue else {
            throw PortalError.unavailable("the issuer publishes no authorization endpoint")
        }
        let state = BrowserSessionStore.randomToken()
        let verifier = BrowserSessionStore.randomToken()
        let nonce = BrowserSessionStore.randomToken()
        let returnTo = Self.safeReturnPath(request.uri.form.get("return_to"))
        do {
            try await sessions.saveAttempt(state: state, .init(codeVerifier: verifier, nonce: nonce, returnTo: returnTo), ttl: Self.attemptTTL)
        } catch {
            logger.warning("could not store a login attempt", metadata: ["error": "\(String(reflecting: error))"])
            throw PortalError.unavailable("login is temporarily unavailable")
        }
        var components = URLComponents(string: authorize)
        let existing = components?.queryItems ?? []
        components?.queryItems = existing + [
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "client_id", value: login.clientID),
            URLQueryItem(name: "redirect_uri", value: redirectURI(request)),
            URLQueryItem(name: "scope", value: login.scopes),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "nonce", value: nonce),
            URLQueryItem(name: "code_challenge", value: BrowserSessionStore.base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        guard let location = components?.url?.absoluteString else { throw PortalError.unavailable("the issuer's authorization endpoint is not a URL") }
        return Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
    }

    private func callback(_ request: Request) async throws -> Response {
        let (login, oidc) = try configured()
        let query = request.uri.form
        if let error = query.get("error") {
            throw PortalError.badRequest("login failed at the issuer: \(error.prefix(200))")
        }
        guard let code = query.get("code"), !code.isEmpty, let state = query.get("state"), !state.isEmpty else {
            throw PortalError.badRequest("the callback needs code and state")
        }
        let attempt: BrowserSessionStore.LoginAttempt?
        do {
            attempt = try await sessions.takeAttempt(state: state)
        } catch {
            throw PortalError.unavailable("login is temporarily unavailable")
        }
        guard let attempt else { throw PortalError.badRequest("unknown or expired login state; start again at /portal/auth/login") }
        let idToken = try await exchange(code: code, verifier: attempt.codeVerifier, login: login, oidc: oidc, request: request)
        let identity: CallerIdentity
        do {
            identity = try await oidc.verify(idToken, audience: login.clientID)
        } catch {
            throw PortalError.unauthenticated("the ID token was refused: \(error.message)", resourceMetadata: "\(baseURL(request))/.well-known/oauth-protected-resource")
        }
        guard identity.claims["nonce"]?.stringValue == attempt.nonce else {
            throw PortalError.unauthenticated("the ID token's nonce does not match this login", resourceMetadata: "\(baseURL(request))/.well-known/oauth-protected-resource")
        }
        let token: String
        do {
            token = try await sessions.create(for: identity, ttl: sessionTTL)
        } catch {
            logger.warning("could not store a session", metadata: ["error": "\(String(reflecting: error))"])
            throw PortalError.unavailable("login is temporarily unavailable")
        }
        var response = Response(status: .found, headers: [.location: attempt.returnTo, .cacheControl: "no-store"])
        response.setCookie(cookie(value: token, maxAge: Int(sessionTTL.components.seconds)))
        return response
    }

    private func logout(_ request: Request) async throws -> Response {
        // A cross-site form cannot set this header, so it cannot log an operator out.
        guard PortalAuthMiddleware.hasCSRFHeader(request) else {
            throw PortalError.forbidden("X-Requested-With header required for logout")
        }
        if let cookie = request.cookies[cookieName] {
            do {
                try await sessions.delete(token: cookie.value)
            } catch {
                throw PortalError.unavailable("logout is temporarily unavailable")
            }
        }
        var response = Response(status: .noContent)
        response.setCookie(cookie(value: "", maxAge: 0))
        return response
    }

    /// Trades the code (and the PKCE verifier) for tokens at the token endpoint; returns the ID token.
    private func exchange(code: String, verifier: String, login: PortalAPIConfig.Login, oidc: OIDCVerifier, request: Request) async throws -> String {
        guard let endpoint = try await discovery(oidc)["token_endpoint"]?.stringValue else {
            throw PortalError.unavailable("the issuer publishes no token endpoint")
        }
        let form = FormQuery.encode([
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirectURI(request)),
            ("client_id", login.clientID),
            ("code_verifier", verifier),
        ] + (login.clientSecret.map { [("client_secret", $0)] } ?? []))
        var exchange = HTTPClientRequest(url: endpoint)
        exchange.method = .POST
        exchange.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        exchange.headers.add(name: "Accept", value: "application/json")
        exchange.body = .bytes(ByteBuffer(string: form))
        let answer: JSONValue
        let status: UInt
        do {
            let response = try await http.execute(exchange, timeout: .seconds(10))
            status = response.status.code
            answer = (try? JSONParser.parse(Array(buffer: try await response.body.collect(upTo: 1 << 20)))) ?? .null
        } catch {
            logger.warning("token endpoint unreachable", metadata: ["error": "\(error)"])
            throw PortalError.unavailable("the issuer's token endpoint is unavailable")
        }
        guard status == 200, let idToken = answer["id_token"]?.stringValue else {
            let reason = answer["error"]?.stringValue ?? "status \(status)"
            throw PortalError.badRequest("the issuer refused the code: \(reason.prefix(200))")
        }
        return idToken
    }

    private func discovery(_ oidc: OIDCVerifier) async throws -> JSONValue {
        do {
            return try await oidc.discoveryDocument()
        } catch {
            throw PortalError.unavailable("the issuer's discovery document is unavailable")
        }
    }

    private func redirectURI(_ request: Request) -> String {
        login?.redirectURL ?? "\(baseURL(request))/portal/auth/callback"
    }

    private func cookie(value: String, maxAge: Int) -> Cookie {
        Self.sessionCookie(name: cookieName, value: value, maxAge: maxAge, secure: cookieSecure)
    }

    /// The browser session cookie, for OIDC login and API-key sign-in alike: HttpOnly (no
    /// script reads it), SameSite=Lax.
    static func sessionCookie(name: String, value: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// Only a local path: an absolute URL (or `//host`) would make login an open redirect.
    static func safeReturnPath(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\"), text.count <= 512,
            text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return "/portal/" }
        return text
    }
}
