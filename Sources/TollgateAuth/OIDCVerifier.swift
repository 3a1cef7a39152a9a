public import AsyncHTTPClient
import Foundation
import JWTKit
public import Logging
public import MCPCore
import NIOFoundationCompat
import Synchronization

/// OIDC settings shared by the gateway and portal-api.
public struct OIDCSettings: Sendable {
    public var issuer: String
    public var audience: String
    /// When not empty, `azp` (or `client_id`) must be one of these.
    public var allowedClients: [String]
    public var clockSkewSeconds: Int
    /// Dotted path of the roles claim, e.g. `roles` or `realm_access.roles`.
    public var rolesClaim: String
    /// Role → tool globs. Empty: OIDC callers may call every tool.
    public var roleTools: [String: [String]]
    /// Roles that carry the `admin` scope.
    public var adminRoles: [String]

    public init(issuer: String, audience: String, allowedClients: [String], clockSkewSeconds: Int, rolesClaim: String, roleTools: [String: [String]], adminRoles: [String]) {
        self.issuer = issuer
        self.audience = audience
        self.allowedClients = allowedClients
        self.clockSkewSeconds = clockSkewSeconds
        self.rolesClaim = rolesClaim
        self.roleTools = roleTools
        self.adminRoles = adminRoles
    }
}

/// Verifies bearer JWTs against the issuer's JWKS with jwt-kit: discovery document and JWKS
/// cached, JWKS refetched when a token names an unknown key (at most every 10 s), `iss` exact,
/// `aud` containing the audience, `azp`/`client_id` allowed, `exp`/`nbf`/`iat` with clock skew.
/// Unsigned (`alg: none`) tokens are refused by jwt-kit, which has no such algorithm.
public final class OIDCVerifier: Sendable {
    struct Payload: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim?
        var nbf: NotBeforeClaim?
        var azp: String?
        var client_id: String?
        var email: String?
        var name: String?

        // Claims are checked by the verifier with the configured skew, after the signature.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private struct Cache {
        var keys: JWTKeyCollection?
        var kids: Set<String> = []
        var discovery: JSONValue?
        var lastFetch: ContinuousClock.Instant?
    }

    public let settings: OIDCSettings
    private let http: HTTPClient
    private let logger: Logger
    private let cache = Mutex(Cache())

    public init(settings: OIDCSettings, http: HTTPClient, logger: Logger) {
        self.settings = settings
        self.http = http
        self.logger = logger
    }

    /// The issuer's discovery document, fetched on first use.
    public func discoveryDocument() async throws -> JSONValue {
        if let document = cache.withLock({ $0.discovery }) { return document }
        _ = try await fetchKeys(force: true)
        return cache.withLock { $0.discovery } ?? .object([])
    }

    /// Verifies a bearer access token (`aud` must contain the configured audience), or, with
    /// `audience` given, an ID token from the login flow (`aud` must contain the client id).
    public func verify(_ token: String, audience: String? = nil) async throws(AuthenticationFailure) -> CallerIdentity {
        let payload: Payload
        do {
            payload = try await verifySignature(token)
        } catch let failure as AuthenticationFailure {
            throw failure
        } catch {
            throw .invalid("invalid token signature")
        }
        let now = Date()
        let skew = TimeInterval(settings.clockSkewSeconds)
        guard payload.iss.value == settings.issuer else { throw .invalid("token issuer is not trusted") }
        let audience = audience ?? settings.audience
        guard payload.aud.value.contains(audience) else { throw .invalid("token audience does not include \(audience)") }
        guard payload.exp.value.addingTimeInterval(skew) > now else { throw .invalid("token expired") }
        if let nbf = payload.nbf, nbf.value.addingTimeInterval(-skew) > now { throw .invalid("token not yet valid") }
        if let iat = payload.iat, iat.value.addingTimeInterval(-skew) > now { throw .invalid("token issued in the future") }
        if !settings.allowedClients.isEmpty, audience == settings.audience {
            guard let client = payload.azp ?? payload.client_id, settings.allowedClients.contains(client) else {
                throw .invalid("token client is not allowed")
            }
        }
        let claims = Self.claims(of: token)
        let roles = roles(in: claims)
        return CallerIdentity(
            subject: payload.sub.value, email: payload.email, name: payload.name, authType: .oidc, apiKeyName: nil,
            scopes: roles.contains(where: settings.adminRoles.contains) ? ["admin"] : [],
            allowedTools: allowedTools(roles: roles), roles: roles, claims: claims
        )
    }

    private func verifySignature(_ token: String) async throws -> Payload {
        var keys = try await fetchKeys(force: false)
        // jwt-kit falls back to a default key for an unknown kid, so the kid is checked here:
        // an unknown one may mean the issuer rotated its keys, so the JWKS is fetched again
        // (at most every 10 s) before the token is refused.
        if let kid = Self.segment(token, 0)?["kid"]?.stringValue, !cache.withLock({ $0.kids.contains(kid) }) {
            keys = try await fetchKeys(force: true)
            guard cache.withLock({ $0.kids.contains(kid) }) else {
                throw AuthenticationFailure.invalid("token signed with an unknown key")
            }
        }
        return try await keys.verify(token, as: Payload.self)
    }

    /// The cached keys, or freshly fetched ones (discovery, then `jwks_uri`).
    private func fetchKeys(force: Bool) async throws -> JWTKeyCollection {
        let (cached, last) = cache.withLock { ($0.keys, $0.lastFetch) }
        if let cached, !force || (last.map { ContinuousClock.now - $0 < .seconds(10) } ?? false) {
            return cached
        }
        do {
            let issuer = settings.issuer.hasSuffix("/") ? String(settings.issuer.dropLast()) : settings.issuer
            let discovery = try await getJSON("\(issuer)/.well-known/openid-configuration")
            guard let jwksURI = discovery["jwks_uri"]?.stringValue else { throw AuthenticationFailure.unavailable }
            let jwks = try await getText(jwksURI)
            let keys = JWTKeyCollection()
            try await keys.add(jwksJSON: jwks)
            let kids = Set((try JSONParser.parse(jwks))["keys"]?.arrayValue?.compactMap { $0["kid"]?.stringValue } ?? [])
            cache.withLock { $0 = Cache(keys: keys, kids: kids, discovery: discovery, lastFetch: .now) }
            return keys
        } catch {
            logger.warning("could not fetch the OIDC issuer's keys", metadata: ["issuer": "\(settings.issuer)", "error": "\(error)"])
            cache.withLock { $0.lastFetch = .now }
            if let cached { return cached }
            throw AuthenticationFailure.unavailable
        }
    }

    private func getText(_ url: String) async throws -> String {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        guard response.status == .ok else { throw AuthenticationFailure.unavailable }
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    private func getJSON(_ url: String) async throws -> JSONValue {
        try JSONParser.parse(try await getText(url))
    }

    /// The token's claims as sent (the payload segment), for `whoami`.
    public static func claims(of token: String) -> JSONValue {
        segment(token, 1) ?? .object([])
    }

    /// A decoded segment of a JWT (0: header, 1: payload).
    static func segment(_ token: String, _ index: Int) -> JSONValue? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var base64 = parts[index].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONParser.parse(Array(data))
    }

    private func roles(in claims: JSONValue) -> [String] {
        var node: JSONValue? = claims
        for part in settings.rolesClaim.split(separator: ".") { node = node?[String(part)] }
        if let single = node?.stringValue { return [single] }
        return node?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    private func allowedTools(roles: [String]) -> [String] {
        guard !settings.roleTools.isEmpty else { return [] }
        let globs = roles.flatMap { settings.roleTools[$0] ?? [] }
        // A caller with no mapped role may call nothing: a pattern no tool name can match.
        return globs.isEmpty ? ["\u{0}"] : globs
    }
}
