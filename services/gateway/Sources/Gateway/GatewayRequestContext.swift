public import Hummingbird
public import NIOCore

/// The gateway's request context: the core storage, the TCP peer's address (from which the
/// client address of the audit trail is resolved, `ClientAddress`) and the connection, whose
/// closing cancels a long call (`MCPEndpoint.untilDisconnect`).
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The client's connection; `nil` in router tests.
    public let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
    }

    /// The peer's IP address as text.
    public var peerIP: String? { remoteAddress?.ipAddress }
}
