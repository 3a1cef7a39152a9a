public import MCPCore

/// Who is calling, as the gateway's tools and the portal's routes see it.
public struct CallerIdentity: Sendable, Equatable {
    /// How the caller proved who it is.
    public enum AuthType: String, Sendable, Codable {
        case apikey, oidc, anonymous
    }

    public var subject: String
    public var email: String?
    public var name: String?
    public var authType: AuthType
    public var apiKeyName: String?
    public var scopes: [String]
    /// Glob patterns of callable tools; empty means every tool.
    public var allowedTools: [String]
    /// Roles from the OIDC token (empty for keys).
    public var roles: [String]
    public var claims: JSONValue

    public init(
        subject: String, email: String?, name: String?, authType: AuthType, apiKeyName: String?, scopes: [String],
        allowedTools: [String], roles: [String] = [], claims: JSONValue
    ) {
        self.subject = subject
        self.email = email
        self.name = name
        self.authType = authType
        self.apiKeyName = apiKeyName
        self.scopes = scopes
        self.allowedTools = allowedTools
        self.roles = roles
        self.claims = claims
    }

    public static let anonymous = CallerIdentity(
        subject: "anonymous", email: nil, name: nil, authType: .anonymous, apiKeyName: nil, scopes: [], allowedTools: [], claims: .object([])
    )

    /// Whether the caller may call `tool`.
    public func mayCall(_ tool: String) -> Bool {
        ToolGlob.allows(allowedTools, tool)
    }

    /// Whether the caller reads every caller's audit rows (scope `audit`, implied by `admin`);
    /// otherwise only its own.
    public var readsEveryAuditRow: Bool {
        scopes.contains("audit") || scopes.contains("admin")
    }

    /// The subject the caller's audit reads are restricted to, or `nil` for every row.
    public var auditSubjectRestriction: String? {
        readsEveryAuditRow ? nil : subject
    }

    /// Whether the caller may list and get the prompt `name` (prefixed like tools): the same
    /// globs as tools apply.
    public func mayUsePrompt(_ name: String) -> Bool {
        ToolGlob.allows(allowedTools, name)
    }

    /// Whether the caller may list and read the resource at `uri` (or template): an allow-list
    /// names resources by URI glob (`fm://*`), so a key limited to tools reads no resource.
    public func mayRead(resource uri: String) -> Bool {
        ToolGlob.allows(allowedTools, uri)
    }
}

/// Why authentication failed.
public enum AuthenticationFailure: Error, Equatable {
    case missingCredentials
    case invalid(String)
    /// The keys service (or the OIDC issuer) could not be asked: not the caller's fault.
    case unavailable

    public var message: String {
        switch self {
        case .missingCredentials: "authentication required: send X-API-Key or Authorization: Bearer"
        case .invalid(let reason): reason
        case .unavailable: "authentication is temporarily unavailable"
        }
    }
}
