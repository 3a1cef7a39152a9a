public import NIOHTTPTypes
public import NIOCore

/// Closes a new connection that has not delivered a complete request head within `timeout`
/// (a slowloris that sends half a request line, or a client that connects and says
/// nothing). Later requests on a keep-alive connection are bounded by Hummingbird's idle
/// timeout (`http.idle_timeout`), which starts when the previous response ends.
public final class HeaderTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var scheduled: Scheduled<Void>?
    private var headSeen = false

    public init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !headSeen, case .head = unwrapInboundIn(data) {
            headSeen = true
            scheduled?.cancel()
            scheduled = nil
        }
        context.fireChannelRead(data)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        scheduled?.cancel()
        scheduled = nil
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard scheduled == nil, !headSeen else { return }
        let loop = context.eventLoop.assumeIsolated()
        scheduled = loop.scheduleTask(in: timeout) { [weak self] in
            guard let self, !self.headSeen else { return }
            context.close(promise: nil)
        }
    }
}
