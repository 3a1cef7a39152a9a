import NIOCore
import NIOHTTP1
import NIOPosix

/// The floor under the ceiling: the same fixed answer from a bare SwiftNIO HTTP/1.1 server,
/// answered on the event loop with no Swift concurrency at all (`ceiling-bench PORT --nio`).
/// The difference between the two ceilings is what Hummingbird's request path costs here.
enum NIOCeiling {
    static func run(port: Int, answer: String) throws {
        try serve(port: port) { FixedAnswerHandler(answer: answer) }
    }

    /// An HTTP/1.1 server on 127.0.0.1:`port`, each connection ending in a new `handler()`;
    /// returns when the server closes.
    static func serve(port: Int, handler: @escaping @Sendable () -> some ChannelInboundHandler) throws {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(handler())
                }
            }
            .bind(host: "127.0.0.1", port: port).wait()
        try channel.closeFuture.wait()
    }
}

/// Answers every request with one fixed body once the request has been read to its end;
/// `GET /healthz` gets the same answer, which is enough for a readiness probe.
final class FixedAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let body: ByteBuffer
    private var keepAlive = true

    init(answer: String) {
        self.body = ByteBuffer(string: answer)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(body.readableBytes))
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            let (keepAlive, channel) = (self.keepAlive, context.channel)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
        }
    }
}
