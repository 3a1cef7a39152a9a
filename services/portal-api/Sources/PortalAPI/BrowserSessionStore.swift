import Crypto
import Foundation
import Logging
import MCPCore
import PostgresNIO
import TollgateAuth

/// Browser sessions and logins in progress, in schema `portal`. The cookie carries a random
/// 256-bit token; the table keeps only its SHA-256, so a tampered or guessed cookie finds
/// nothing and a leaked table yields no usable cookie.
struct BrowserSessionStore: Sendable {
    /// A login waiting for its callback.
    struct LoginAttempt: Sendable, Equatable {
        var codeVerifier: String
        var nonce: String
        var returnTo: String
    }

    let client: PostgresClient
    let logger: Logger

    /// Starts a session for `identity`; returns the token for the cookie.
    func create(for identity: CallerIdentity, ttl: Duration) async throws -> String {
        let token = Self.randomToken()
        let expires = Date().addingTimeInterval(TimeInterval(ttl.components.seconds))
        try await client.query(
            """
            INSERT INTO browser_sessions (token_hash, subject, email, name, scopes, roles, allowed_tools, claims, expires_at, auth_type, api_key_name)
            VALUES (\(Self.digest(token)), \(identity.subject), \(identity.email), \(identity.name), \(identity.scopes), \(identity.roles),
                    \(identity.allowedTools), \(identity.claims.jsonString)::jsonb, \(expires), \(identity.authType.rawValue), \(identity.apiKeyName))
            """,
            logger: logger
        )
        // Expired rows go when new ones come: the table stays as small as the live sessions.
        try await client.query("DELETE FROM browser_sessions WHERE expires_at < now() - interval '1 hour'", logger: logger)
        return token
    }

    /// The identity of a live session, or `nil` for an unknown, expired or malformed token.
    func identity(token: String) async throws -> CallerIdentity? {
        guard Self.isWellFormed(token) else { return nil }
        let rows = try await client.query(
            """
            SELECT subject, email, name, scopes, roles, allowed_tools, claims::text, auth_type, api_key_name
            FROM browser_sessions WHERE token_hash = \(Self.digest(token)) AND expires_at > now()
            """,
            logger: logger
        )
        for try await (subject, email, name, scopes, roles, allowedTools, claims, authType, apiKeyName)
            in rows.decode((String, String?, String?, [String], [String], [String], String, String, String?).self)
        {
            return CallerIdentity(
                subject: subject, email: email, name: name, authType: CallerIdentity.AuthType(rawValue: authType) ?? .oidc,
                apiKeyName: apiKeyName, scopes: scopes,
                allowedTools: allowedTools, roles: roles, claims: (try? JSONParser.parse(claims)) ?? .object([])
            )
        }
        return nil
    }

    /// Ends every session opened with the API key `name` (the key was revoked).
    func deleteSessions(ofKey name: String) async throws {
        try await client.query("DELETE FROM browser_sessions WHERE api_key_name = \(name)", logger: logger)
    }

    func delete(token: String) async throws {
        guard Self.isWellFormed(token) else { return }
        try await client.query("DELETE FROM browser_sessions WHERE token_hash = \(Self.digest(token))", logger: logger)
    }

    func saveAttempt(state: String, _ attempt: LoginAttempt, ttl: Duration) async throws {
        let expires = Date().addingTimeInterval(TimeInterval(ttl.components.seconds))
        try await client.query(
            """
            INSERT INTO login_attempts (state, code_verifier, nonce, return_to, expires_at)
            VALUES (\(state), \(attempt.codeVerifier), \(attempt.nonce), \(attempt.returnTo), \(expires))
            """,
            logger: logger
        )
        try await client.query("DELETE FROM login_attempts WHERE expires_at < now()", logger: logger)
    }

    /// The attempt of `state`, removed so it is used once; `nil` when unknown or expired.
    func takeAttempt(state: String) async throws -> LoginAttempt? {
        let rows = try await client.query(
            "DELETE FROM login_attempts WHERE state = \(state) RETURNING code_verifier, nonce, return_to, expires_at > now()",
            logger: logger
        )
        for try await (verifier, nonce, returnTo, live) in rows.decode((String, String, String, Bool).self) {
            return live ? LoginAttempt(codeVerifier: verifier, nonce: nonce, returnTo: returnTo) : nil
        }
        return nil
    }

    /// 32 random bytes (a CSPRNG), base64url without padding: 43 cookie-safe characters.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return base64URL(Data(bytes))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43 && token.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
        }
    }

    private static func digest(_ token: String) -> ByteBuffer {
        ByteBuffer(bytes: Array(SHA256.hash(data: Data(token.utf8))))
    }
}
