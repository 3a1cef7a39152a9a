public import Hummingbird
public import NIOCore

/// The gateway's request context: the core storage, the TCP peer's address (from which the
/// client address of the audit trail is resolved, `ClientAddress`) and the connection, whose
/// closing cancels a long call (`MCPEndpoint.untilDisconnect`).
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's connection; `nil` in router tests.
    public let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Read when asked (audited calls, failed authentications), not for every request.
    public var remoteAddress: SocketAddress? { channel?.remoteAddress }

    /// The peer's IP address as text.
    public var peerIP: String? { remoteAddress?.ipAddress }
}
