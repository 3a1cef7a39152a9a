public import NIOCore
public import NIOHTTPTypes
import Synchronization

/// Knows, per connection, whether the client has closed it, so a long call can be cancelled
/// when its caller goes away without giving up keep-alive.
///
/// Hummingbird allows remote half-closure: a client that closes its side leaves the channel
/// active until the server finishes. Its own inbound-close helper finds out by reading the
/// request stream, which then cannot serve the next request (the connection is closed after
/// the answer). This handler sees the `inputClosed` event and `channelInactive` instead, and
/// records them in a table that request handlers query with their channel.
public final class ConnectionWatch: Sendable {
    private let closed = Mutex<[ObjectIdentifier: Bool]>([:])

    public init() {}

    /// A handler for one new connection (`HTTP1Channel`'s additional channel handlers).
    public func makeHandler() -> any RemovableChannelHandler {
        Handler(watch: self)
    }

    /// Whether the client closed `channel` (or it is gone).
    public func isClosed(_ channel: any Channel) -> Bool {
        !channel.isActive || closed.withLock { $0[ObjectIdentifier(channel)] ?? false }
    }

    /// Connections being watched (for tests and metrics).
    public var count: Int { closed.withLock { $0.count } }

    fileprivate func register(_ channel: any Channel) { closed.withLock { $0[ObjectIdentifier(channel)] = false } }
    fileprivate func markClosed(_ channel: any Channel) { closed.withLock { if $0[ObjectIdentifier(channel)] != nil { $0[ObjectIdentifier(channel)] = true } } }
    fileprivate func forget(_ channel: any Channel) { closed.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) } }

    private final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart
        let watch: ConnectionWatch

        init(watch: ConnectionWatch) {
            self.watch = watch
        }

        func handlerAdded(context: ChannelHandlerContext) {
            watch.register(context.channel)
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            watch.forget(context.channel)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed? = event as? ChannelEvent { watch.markClosed(context.channel) }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            watch.forget(context.channel)
            context.fireChannelInactive()
        }
    }
}
