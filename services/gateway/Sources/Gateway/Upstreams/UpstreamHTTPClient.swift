import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A small HTTP/1.1 client for one upstream: a bounded pool of keep-alive connections, one
/// exchange at a time on each.
///
/// Written by hand instead of using AsyncHTTPClient for the hot path of every forwarded call:
/// the profile showed AsyncHTTPClient writing a request's head and body with separate flushes
/// (two packets, and two reads for the upstream), an actor hop and a tracing span per request,
/// and about a third of the gateway's CPU per forwarded call. Here a request is one write, the
/// answer is gathered on the event loop, and the calling task resumes once.
final class UpstreamHTTPClient: Sendable {
    struct Endpoint: Sendable {
        var host: String
        var port: Int
        var tls: Bool
        /// The request target: path and query.
        var target: String
        /// The `Host` header value.
        var authority: String

        init(url: String) throws {
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
                let host = components.host, !host.isEmpty
            else { throw UpstreamFailure(description: "upstream URL must be http(s)://host[:port]/path: \(url)") }
            self.host = host
            self.tls = scheme == "https"
            self.port = components.port ?? (tls ? 443 : 80)
            let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            self.target = components.percentEncodedQuery.map { path + "?" + $0 } ?? path
            self.authority = components.port.map { "\(host):\($0)" } ?? host
        }
    }

    private struct Pool {
        var idle: [(channel: any Channel, handler: NIOLoopBound<UpstreamExchangeHandler>)] = []
        var open = 0
        /// Callers waiting for a connection, oldest first, each with its id (for its timer).
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var nextWaiter = 0
        var shutDown = false
    }

    let endpoint: Endpoint
    private let group: any EventLoopGroup
    private let sslContext: NIOSSLContext?
    private let connectTimeout: TimeAmount
    private let maximumConnections: Int
    private let maximumResponseBytes: Int
    private let pool = Mutex(Pool())

    init(url: String, group: any EventLoopGroup, connectTimeout: TimeAmount = .seconds(2), maximumConnections: Int = 64, maximumResponseBytes: Int) throws {
        self.endpoint = try Endpoint(url: url)
        self.group = group
        self.connectTimeout = connectTimeout
        self.maximumConnections = maximumConnections
        self.maximumResponseBytes = maximumResponseBytes
        self.sslContext = endpoint.tls ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
    }

    /// POSTs `body` with `headers`; the answer's head and body (whole, or streamed for SSE).
    /// A request that fails on a reused connection before any byte of the answer (the
    /// upstream had closed it while idle) is sent once more on a new connection.
    func post(headers: HTTPHeaders, body: ByteBuffer, deadline: NIODeadline) async throws -> UpstreamHTTPResponse {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.target, headers: headers)
        head.headers.replaceOrAdd(name: "Host", value: endpoint.authority)
        head.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        let (channel, handler, reused) = try await acquire(deadline: deadline)
        do {
            return try await exchange(on: channel, handler: handler, head: head, body: body, deadline: deadline)
        } catch UpstreamExchangeError.closedBeforeAnswer where reused {
            let (fresh, freshHandler, _) = try await acquire(deadline: deadline, reuse: false)
            return try await exchange(on: fresh, handler: freshHandler, head: head, body: body, deadline: deadline)
        }
    }

    /// Connections open now (idle or in use).
    var openConnections: Int { pool.withLock { $0.open } }

    /// Closes every connection; later requests fail.
    func shutdown() {
        let (idle, waiters) = pool.withLock { pool in
            pool.shutDown = true
            defer { pool.idle.removeAll(); pool.waiters.removeAll() }
            return (pool.idle, pool.waiters)
        }
        for entry in idle { entry.channel.close(promise: nil) }
        for waiter in waiters { waiter.continuation.resume() }
    }

    private func exchange(
        on channel: any Channel, handler: NIOLoopBound<UpstreamExchangeHandler>, head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline
    ) async throws -> UpstreamHTTPResponse {
        let promise = channel.eventLoop.makePromise(of: UpstreamHTTPResponse.self)
        return try await withTaskCancellationHandler {
            channel.eventLoop.execute { handler.value.start(head: head, body: body, deadline: deadline, promise: promise) }
            return try await promise.futureResult.get()
        } onCancel: {
            channel.eventLoop.execute { handler.value.cancel() }
        }
    }

    /// An idle connection (when `reuse`), or a new one while fewer than the maximum are open;
    /// otherwise waits for one to be returned.
    private func acquire(deadline: NIODeadline, reuse: Bool = true) async throws -> (any Channel, NIOLoopBound<UpstreamExchangeHandler>, Bool) {
        while true {
            enum Step { case reuse(any Channel, NIOLoopBound<UpstreamExchangeHandler>), connect, wait, shutDown }
            let step = pool.withLock { pool -> Step in
                if pool.shutDown { return .shutDown }
                while reuse, let entry = pool.idle.popLast() {
                    if entry.channel.isActive { return .reuse(entry.channel, entry.handler) }
                }
                if pool.open < maximumConnections {
                    pool.open += 1
                    return .connect
                }
                return .wait
            }
            switch step {
            case .reuse(let channel, let handler):
                return (channel, handler, true)
            case .connect:
                do {
                    let (channel, handler) = try await connect()
                    return (channel, handler, false)
                } catch {
                    release(slot: ())
                    throw error
                }
            case .shutDown:
                throw UpstreamFailure(description: "the upstream client is shut down")
            case .wait:
                guard NIODeadline.now() < deadline else { throw UpstreamExchangeError.timedOut }
                // Woken when a connection is returned or a slot frees, or at the caller's
                // deadline (then the loop above throws `timedOut`).
                await withCheckedContinuation { continuation in
                    let id = pool.withLock { pool -> Int? in
                        guard !pool.shutDown, pool.open >= maximumConnections, pool.idle.isEmpty else { return nil }
                        pool.nextWaiter += 1
                        pool.waiters.append((pool.nextWaiter, continuation))
                        return pool.nextWaiter
                    }
                    guard let id else { return continuation.resume() }
                    group.any().scheduleTask(deadline: deadline) { [weak self] in
                        let expired = self?.pool.withLock { pool in
                            pool.waiters.firstIndex { $0.id == id }.map { pool.waiters.remove(at: $0).continuation }
                        }
                        expired?.resume()
                    }
                }
            }
        }
    }

    private func connect() async throws -> (any Channel, NIOLoopBound<UpstreamExchangeHandler>) {
        let endpoint = self.endpoint
        let sslContext = self.sslContext
        let maximumBytes = maximumResponseBytes
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: endpoint.host)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(leftOverBytesStrategy: .fireError)
                    try channel.pipeline.syncOperations.addHandler(UpstreamExchangeHandler(maximumBytes: maximumBytes))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port).get()
        let handler = try await channel.eventLoop.submit {
            let handler = try channel.pipeline.syncOperations.handler(type: UpstreamExchangeHandler.self)
            let bound = NIOLoopBound(handler, eventLoop: channel.eventLoop)
            handler.onExchangeEnd = { [weak self] reusable in
                if reusable { self?.returnToPool(channel, handler: bound) }
            }
            return bound
        }.get()
        // The slot is given back when the connection closes, whoever closes it.
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.pool.withLock { pool in pool.idle.removeAll { $0.channel === channel } }
            self?.release(slot: ())
        }
        return (channel, handler)
    }

    private func returnToPool(_ channel: any Channel, handler: NIOLoopBound<UpstreamExchangeHandler>) {
        let (waiter, shutDown) = pool.withLock { pool -> (CheckedContinuation<Void, Never>?, Bool) in
            if pool.shutDown { return (nil, true) }
            pool.idle.append((channel, handler))
            return (pool.waiters.isEmpty ? nil : pool.waiters.removeFirst().continuation, false)
        }
        if shutDown { channel.close(promise: nil) }
        waiter?.resume()
    }

    /// A connection slot is free again: wake one waiter (it connects or takes an idle one).
    private func release(slot: Void) {
        let waiter = pool.withLock { pool -> CheckedContinuation<Void, Never>? in
            pool.open -= 1
            return pool.waiters.isEmpty ? nil : pool.waiters.removeFirst().continuation
        }
        waiter?.resume()
    }
}
