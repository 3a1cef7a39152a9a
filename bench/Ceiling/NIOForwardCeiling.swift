import NIOCore
import NIOHTTP1
import NIOPosix

/// The floor of forwarding in Swift on this machine: a bare SwiftNIO reverse proxy that passes
/// each request, unread, to one upstream URL over a keep-alive connection opened on the same
/// event loop as the client's, and passes the answer back (`ceiling-bench PORT --nio-forward
/// HOST:UPSTREAM_PORT`). No JSON is read and no Swift concurrency is involved: whatever a
/// gateway does costs the difference to this.
enum NIOForwardCeiling {
    static func run(port: Int, upstreamHost: String, upstreamPort: Int) throws {
        try NIOCeiling.serve(port: port) { ForwardingHandler(host: upstreamHost, port: upstreamPort) }
    }
}

/// One client connection: requests go to its own upstream connection one at a time (HTTP/1.1
/// without pipelining, as wrk and the SDKs send them), answers come back through `relay`.
final class ForwardingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let host: String
    private let port: Int
    private var upstream: (any Channel)?
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body = nil
        case .body(var chunk):
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            guard var head else { return context.close(promise: nil) }
            head.headers.replaceOrAdd(name: "Host", value: "\(host):\(port)")
            head.headers.remove(name: "Connection")
            let request = (head, body ?? ByteBuffer())
            if let upstream {
                Self.send(request, on: upstream)
                return
            }
            // The client's connection and its upstream connection share one event loop.
            let client = NIOLoopBound(context.channel, eventLoop: context.eventLoop)
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            ClientBootstrap(group: context.eventLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(RelayHandler(client: client.value))
                    }
                }
                .connect(host: host, port: port)
                .whenComplete { result in
                    switch result {
                    case .success(let channel):
                        handler.value.upstream = channel
                        Self.send(request, on: channel)
                    case .failure:
                        client.value.close(promise: nil)
                    }
                }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        upstream?.close(promise: nil)
        context.fireChannelInactive()
    }

    private static func send(_ request: (HTTPRequestHead, ByteBuffer), on channel: any Channel) {
        var head = request.0
        head.headers.replaceOrAdd(name: "Content-Length", value: String(request.1.readableBytes))
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(request.1)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }
}

/// Passes an upstream's answer back to the client connection, part by part.
final class RelayHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let client: any Channel

    init(client: any Channel) {
        self.client = client
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            var headers = head.headers
            headers.remove(name: "Connection")
            client.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: head.status, headers: headers)), promise: nil)
        case .body(let chunk):
            client.write(HTTPServerResponsePart.body(.byteBuffer(chunk)), promise: nil)
        case .end:
            client.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.close(promise: nil)
        context.fireChannelInactive()
    }
}
