import NIOCore
import NIOHTTP1

/// The answer of an upstream to one HTTP request: its head, and its body whole (JSON) or as
/// a stream of chunks (SSE).
struct UpstreamHTTPResponse: Sendable {
    enum Body: Sendable {
        case complete(ByteBuffer)
        case stream(AsyncThrowingStream<ByteBuffer, any Error>)
    }

    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: Body
}

/// Why an exchange on a connection ended without an answer.
enum UpstreamExchangeError: Error, Equatable {
    /// The connection closed (or reset) before any byte of the answer: the upstream may not
    /// have seen the request, so it can be sent again on a new connection.
    case closedBeforeAnswer
    /// The connection broke after the answer began.
    case closedDuringAnswer
    case tooLarge(limit: Int)
    case timedOut
    case cancelled
}

/// One request/response exchange at a time on one upstream connection, on its event loop.
/// Writes head, body and end with a single flush (one packet for a small call), aggregates a
/// JSON answer up to a limit or streams an SSE answer, and tells the pool whether the
/// connection can be reused.
final class UpstreamExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Never
    typealias OutboundOut = HTTPClientRequestPart

    private enum State {
        case idle
        case waitingForHead(EventLoopPromise<UpstreamHTTPResponse>)
        case aggregating(EventLoopPromise<UpstreamHTTPResponse>, HTTPResponseHead, ByteBuffer)
        case streaming(AsyncThrowingStream<ByteBuffer, any Error>.Continuation, received: Int)
        case closed
    }

    private var state = State.idle
    private var context: ChannelHandlerContext?
    private var deadlineTask: Scheduled<Void>?
    private var keepAlive = true
    private let maximumBytes: Int
    /// Called on the event loop when an exchange ends: true when the connection can serve another.
    var onExchangeEnd: ((Bool) -> Void)?

    init(maximumBytes: Int) {
        self.maximumBytes = maximumBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Sends a request; `promise` gets the head (and the whole body unless it is a stream).
    /// Must be called on the channel's event loop, with no exchange in progress.
    func start(head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline, promise: EventLoopPromise<UpstreamHTTPResponse>) {
        guard let context, case .idle = state else {
            promise.fail(UpstreamExchangeError.closedBeforeAnswer)
            return
        }
        state = .waitingForHead(promise)
        keepAlive = head.isKeepAlive
        deadlineTask = context.eventLoop.scheduleTask(deadline: deadline) { [weak self] in
            self?.fail(UpstreamExchangeError.timedOut, close: true)
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Abandons the exchange (the caller was cancelled): the connection is closed.
    func cancel() {
        fail(UpstreamExchangeError.cancelled, close: true)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .waitingForHead(let promise)):
            if (100..<200).contains(head.status.code) { return }  // informational: the answer follows
            keepAlive = keepAlive && head.isKeepAlive
            let type = head.headers.first(name: "content-type")?.lowercased() ?? ""
            if type.hasPrefix("text/event-stream") {
                let (stream, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
                let channel = context.channel
                continuation.onTermination = { termination in
                    if case .cancelled = termination { channel.close(promise: nil) }
                }
                state = .streaming(continuation, received: 0)
                promise.succeed(UpstreamHTTPResponse(status: head.status, headers: head.headers, body: .stream(stream)))
            } else {
                state = .aggregating(promise, head, context.channel.allocator.buffer(capacity: 0))
            }
        case (.body(var chunk), .aggregating(let promise, let head, var buffer)):
            guard buffer.readableBytes + chunk.readableBytes <= maximumBytes else {
                fail(UpstreamExchangeError.tooLarge(limit: maximumBytes), close: true)
                return
            }
            state = .idle  // drop the reference to `buffer` so the write below does not copy
            buffer.writeBuffer(&chunk)
            state = .aggregating(promise, head, buffer)
        case (.body(let chunk), .streaming(let continuation, let received)):
            guard received + chunk.readableBytes <= maximumBytes else {
                fail(UpstreamExchangeError.tooLarge(limit: maximumBytes), close: true)
                return
            }
            state = .streaming(continuation, received: received + chunk.readableBytes)
            continuation.yield(chunk)
        case (.end, .aggregating(let promise, let head, let buffer)):
            finish()
            promise.succeed(UpstreamHTTPResponse(status: head.status, headers: head.headers, body: .complete(buffer)))
        case (.end, .streaming(let continuation, _)):
            finish()
            continuation.finish()
        default:
            // Bytes outside an exchange: the upstream is not speaking HTTP/1.1 to us.
            fail(UpstreamExchangeError.closedDuringAnswer, close: true)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(nil, close: false)
        state = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(nil, close: true)
    }

    private func finish() {
        deadlineTask?.cancel()
        deadlineTask = nil
        state = .idle
        onExchangeEnd?(keepAlive)
        if !keepAlive { context?.close(promise: nil) }
    }

    /// Ends the exchange in progress with `error` (or the right "connection closed" error).
    private func fail(_ error: UpstreamExchangeError?, close: Bool) {
        deadlineTask?.cancel()
        deadlineTask = nil
        let previous = state
        state = close ? .closed : state
        switch previous {
        case .waitingForHead(let promise):
            promise.fail(error ?? .closedBeforeAnswer)
            onExchangeEnd?(false)
        case .aggregating(let promise, _, _):
            promise.fail(error ?? .closedDuringAnswer)
            onExchangeEnd?(false)
        case .streaming(let continuation, _):
            continuation.finish(throwing: error ?? .closedDuringAnswer)
            onExchangeEnd?(false)
        case .idle, .closed:
            break
        }
        if close { context?.close(promise: nil) }
    }
}
