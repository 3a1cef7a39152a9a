import Foundation

/// An API key as the keys service shows it: never its hash, never its plaintext.
public struct APIKeyInfo: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String?
    public var createdBy: String?
    public var createdAt: Date
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    public var scopes: [String]
    /// Glob patterns of the tools the key may call; empty means every tool.
    public var allowedTools: [String]
    public var revokedAt: Date?

    public init(
        id: String, name: String, description: String?, createdBy: String?, createdAt: Date, expiresAt: Date?,
        lastUsedAt: Date?, scopes: [String], allowedTools: [String], revokedAt: Date?
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.scopes = scopes
        self.allowedTools = allowedTools
        self.revokedAt = revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description, scopes
        case createdBy = "created_by"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
        case allowedTools = "allowed_tools"
        case revokedAt = "revoked_at"
    }
}

/// `POST /internal/v1/keys`: mint a key. Only `name` is required.
public struct MintKeyRequest: Codable, Sendable, Equatable {
    public var name: String
    public var description: String?
    public var expiresAt: Date?
    public var scopes: [String]?
    public var allowedTools: [String]?
    /// Who minted it (the operator's identity, set by portal-api).
    public var createdBy: String?

    public init(name: String, description: String? = nil, expiresAt: Date? = nil, scopes: [String]? = nil, allowedTools: [String]? = nil, createdBy: String? = nil) {
        self.name = name
        self.description = description
        self.expiresAt = expiresAt
        self.scopes = scopes
        self.allowedTools = allowedTools
        self.createdBy = createdBy
    }

    enum CodingKeys: String, CodingKey {
        case name, description, scopes
        case expiresAt = "expires_at"
        case allowedTools = "allowed_tools"
        case createdBy = "created_by"
    }
}

/// The answer to a mint: the key and its plaintext, shown this once.
public struct MintKeyResponse: Codable, Sendable, Equatable {
    public var key: APIKeyInfo
    public var plaintext: String

    public init(key: APIKeyInfo, plaintext: String) {
        self.key = key
        self.plaintext = plaintext
    }
}

/// `GET /internal/v1/keys`.
public struct APIKeyList: Codable, Sendable, Equatable {
    public var keys: [APIKeyInfo]

    public init(keys: [APIKeyInfo]) {
        self.keys = keys
    }
}

/// `POST /internal/v1/keys/validate`.
public struct KeyValidationRequest: Codable, Sendable, Equatable {
    public var key: String

    public init(key: String) {
        self.key = key
    }
}

/// Who a valid key belongs to and what it may do.
public struct KeyIdentity: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var scopes: [String]
    public var allowedTools: [String]
    public var expiresAt: Date?

    public init(id: String, name: String, scopes: [String], allowedTools: [String], expiresAt: Date?) {
        self.id = id
        self.name = name
        self.scopes = scopes
        self.allowedTools = allowedTools
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, scopes
        case allowedTools = "allowed_tools"
        case expiresAt = "expires_at"
    }
}

/// Why a presented key was refused. `invalid` covers both an unknown key id and a wrong
/// secret, so the answer never tells whether a key exists.
public enum KeyRejection: String, Codable, Sendable, Equatable {
    case malformed
    case invalid
    case revoked
    case expired
}

/// The answer to a validation: an identity, or the reason for refusing.
public struct KeyValidationResponse: Codable, Sendable, Equatable {
    public var valid: Bool
    public var identity: KeyIdentity?
    public var reason: KeyRejection?

    public init(identity: KeyIdentity) {
        self.valid = true
        self.identity = identity
        self.reason = nil
    }

    public init(rejected reason: KeyRejection) {
        self.valid = false
        self.identity = nil
        self.reason = reason
    }
}
