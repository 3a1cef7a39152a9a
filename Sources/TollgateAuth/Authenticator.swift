public import Foundation
public import HTTPTypes
public import KeysClient
public import Logging
import SharedProto
import TollgateCore

/// The authentication chain of the gateway and portal-api: `X-API-Key`, then `Authorization: Bearer`.
/// Static keys (constant-time compare) first, then database keys through the cached keys
/// client; anonymous only when configured.
public struct Authenticator: Sendable {
    let staticKeys: [AuthSettings.StaticKey]
    let keyCache: KeyValidationCache
    let allowAnonymous: Bool
    public let oidc: OIDCVerifier?
    let logger: Logger

    public init(staticKeys: [AuthSettings.StaticKey], keyCache: KeyValidationCache, allowAnonymous: Bool, oidc: OIDCVerifier?, logger: Logger) {
        self.staticKeys = staticKeys
        self.keyCache = keyCache
        self.allowAnonymous = allowAnonymous
        self.oidc = oidc
        self.logger = logger
    }

    public func authenticate(_ headers: HTTPFields) async throws(AuthenticationFailure) -> CallerIdentity {
        guard let presented = Self.credential(headers) else {
            if allowAnonymous { return .anonymous }
            throw .missingCredentials
        }
        if presented.utf8.count > APIKeyFormat.maximumPresentedLength * 16 {
            throw .invalid("credential too long")
        }
        if Self.looksLikeJWT(presented) {
            guard let oidc else { throw .invalid("bearer tokens (OIDC) are not accepted: no issuer is configured") }
            return try await oidc.verify(presented)
        }
        return try await apiKey(presented).identity
    }

    /// An API key's caller and, for a database key with an expiry, when the key expires (the
    /// console's key sign-in ends its session no later than that). JWTs are not keys here.
    public func apiKey(_ presented: String) async throws(AuthenticationFailure) -> (identity: CallerIdentity, expiresAt: Date?) {
        if presented.utf8.count > APIKeyFormat.maximumPresentedLength * 16 {
            throw .invalid("credential too long")
        }
        if let key = staticKey(matching: presented) {
            let identity = CallerIdentity(
                subject: "apikey:\(key.name)", email: nil, name: key.name, authType: .apikey, apiKeyName: key.name,
                scopes: key.scopes, allowedTools: [], claims: .object([])
            )
            return (identity, nil)
        }
        let response: KeyValidationResponse
        do {
            response = try await keyCache.validate(presented)
        } catch {
            logger.warning("key validation unavailable", metadata: ["error": "\(error)"])
            throw .unavailable
        }
        guard let identity = response.identity else {
            switch response.reason {
            case .revoked?: throw .invalid("API key revoked")
            case .expired?: throw .invalid("API key expired")
            case .malformed?: throw .invalid("malformed API key")
            default: throw .invalid("invalid API key")
            }
        }
        // The subject comes from the key id, never from the name: names are chosen by whoever
        // mints a key, and a key named like a static key must not become that key's caller.
        let caller = CallerIdentity(
            subject: "apikey:\(identity.id)", email: nil, name: identity.name, authType: .apikey, apiKeyName: identity.name,
            scopes: identity.scopes, allowedTools: identity.allowedTools, claims: .object([])
        )
        return (caller, identity.expiresAt)
    }

    private static let apiKeyHeader = HTTPField.Name("X-API-Key")!

    /// The presented credential: `X-API-Key`, else the `Bearer` token.
    public static func credential(_ headers: HTTPFields) -> String? {
        if let key = headers.value(Self.apiKeyHeader), !key.isEmpty {
            return key.trimmingCharacters(in: .whitespaces)
        }
        if let authorization = headers.value(.authorization) {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    public static func looksLikeJWT(_ token: String) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
        } }
    }

    /// Compares against every static key, always all of them, in constant time each.
    private func staticKey(matching presented: String) -> AuthSettings.StaticKey? {
        let bytes = Array(presented.utf8)
        var match: AuthSettings.StaticKey?
        for key in staticKeys where ConstantTime.equals(bytes, Array(key.key.utf8)) {
            match = key
        }
        return match
    }
}
