/// MCP protocol revisions the gateway speaks.
enum ProtocolVersion {
    /// Revisions negotiated with `initialize` and served with a session.
    static let handshake = ["2025-03-26", "2025-06-18", "2025-11-25"]
    /// Stateless revisions: every request carries its version in `_meta`.
    static let modern = ["2026-07-28"]
    static let all = handshake + modern
    static let latestHandshake = "2025-11-25"

    static let metaVersionKey = "io.modelcontextprotocol/protocolVersion"
    static let metaCapabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let metaClientInfoKey = "io.modelcontextprotocol/clientInfo"
    static let metaServerInfoKey = "io.modelcontextprotocol/serverInfo"
}

/// Which generation of the protocol a request speaks, and its session when it has one.
enum ProtocolEra: Sendable, Equatable {
    case modern(version: String)
    case handshake(session: MCPSession?)

    var isModern: Bool {
        if case .modern = self { return true }
        return false
    }

    /// The revision the request is spoken in (a 2025 `initialize` before its session: the latest).
    var protocolVersion: String {
        switch self {
        case .modern(let version): version
        case .handshake(let session): session?.protocolVersion ?? ProtocolVersion.latestHandshake
        }
    }
}
