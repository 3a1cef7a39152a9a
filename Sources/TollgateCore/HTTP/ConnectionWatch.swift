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
    private struct Entry {
        var closed = false
        /// Called once when the client closes the connection.
        var observers: [Int: @Sendable () -> Void] = [:]
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var nextToken = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// A handler for one new connection (`HTTP1Channel`'s additional channel handlers).
    public func makeHandler() -> any RemovableChannelHandler {
        Handler(watch: self)
    }

    /// Whether the client closed `channel` (or it is gone).
    public func isClosed(_ channel: any Channel) -> Bool {
        !channel.isActive || state.withLock { $0.entries[ObjectIdentifier(channel)]?.closed ?? false }
    }

    /// Connections being watched (for tests and metrics).
    public var count: Int { state.withLock { $0.entries.count } }

    /// Runs `operation` in a task that is cancelled as soon as the client closes `channel`
    /// (or when the caller is cancelled). The close is noticed through the channel's events,
    /// not by polling, and the observer is removed when the operation ends, so a keep-alive
    /// connection does not collect one per request.
    public func cancellingOnClose<T: Sendable>(_ channel: any Channel, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await operation() }
        let key = ObjectIdentifier(channel)
        let token = state.withLock { state -> Int? in
            guard channel.isActive, let entry = state.entries[key], !entry.closed else { return nil }
            state.nextToken += 1
            state.entries[key]?.observers[state.nextToken] = { task.cancel() }
            return state.nextToken
        }
        if token == nil { task.cancel() }
        defer { if let token { state.withLock { _ = $0.entries[key]?.observers.removeValue(forKey: token) } } }
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    fileprivate func register(_ channel: any Channel) { state.withLock { $0.entries[ObjectIdentifier(channel)] = Entry() } }

    fileprivate func markClosed(_ channel: any Channel) {
        let observers = state.withLock { state -> [@Sendable () -> Void] in
            guard var entry = state.entries[ObjectIdentifier(channel)] else { return [] }
            entry.closed = true
            defer { entry.observers.removeAll(); state.entries[ObjectIdentifier(channel)] = entry }
            return Array(entry.observers.values)
        }
        for observer in observers { observer() }
    }

    fileprivate func forget(_ channel: any Channel) {
        let observers = state.withLock { $0.entries.removeValue(forKey: ObjectIdentifier(channel)).map { Array($0.observers.values) } ?? [] }
        for observer in observers { observer() }
    }

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
