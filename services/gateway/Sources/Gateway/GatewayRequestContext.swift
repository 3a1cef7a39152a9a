public import Hummingbird
public import NIOCore

/// The gateway's request context: the core storage plus the TCP peer's address, from which
/// the client address of the audit trail is resolved (`ClientAddress`).
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text.
    public var peerIP: String? { remoteAddress?.ipAddress }
}
