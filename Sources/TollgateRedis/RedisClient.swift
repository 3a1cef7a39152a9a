import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// An async, `Sendable` Redis client over hiredis.
///
/// Every hiredis call blocks, so commands run on the client's own `NIOThreadPool`
/// (never on an event loop or the cooperative pool); the pool size bounds the number
/// of connections. Connections are made lazily, health-checked before reuse, and after
/// a failed connect further attempts wait out an exponential backoff (commands fail fast
/// with `RedisError.unavailable` meanwhile instead of piling up).
///
/// There is no Swift Redis client in the package mirror, hence this wrapper.
public final class RedisClient: Service, Sendable {
    /// Settings of a client; see `TollgateCore`'s configuration reference for the keys.
    public struct Configuration: Sendable {
        public var url: RedisURL
        /// Dedicated threads, and so the most connections open at once.
        public var poolSize: Int
        public var connectTimeout: Duration
        /// Socket timeout for a reply; `nil` waits forever. Blocking reads (XREADGROUP BLOCK)
        /// need a timeout longer than their block time.
        public var commandTimeout: Duration?
        public var minimumBackoff: Duration
        public var maximumBackoff: Duration

        public init(
            url: RedisURL,
            poolSize: Int = 4,
            connectTimeout: Duration = .seconds(2),
            commandTimeout: Duration? = .seconds(5),
            minimumBackoff: Duration = .milliseconds(50),
            maximumBackoff: Duration = .seconds(2)
        ) {
            self.url = url
            self.poolSize = max(1, poolSize)
            self.connectTimeout = connectTimeout
            self.commandTimeout = commandTimeout
            self.minimumBackoff = minimumBackoff
            self.maximumBackoff = maximumBackoff
        }
    }

    private struct State {
        var idle: [RedisConnection] = []
        var backoff: Duration = .zero
        var nextAttempt: ContinuousClock.Instant?
        var isShutdown = false
    }

    public let configuration: Configuration
    private let logger: Logger
    private let threadPool: NIOThreadPool
    private let state = Mutex(State())

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.poolSize)
        self.threadPool.start()
    }

    /// Ties the client's lifetime to a service group: returns after graceful shutdown.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes every connection and stops the threads; later commands throw `.shutdown`.
    public func shutdown() async {
        let idle = state.withLock { state in
            state.isShutdown = true
            defer { state.idle.removeAll() }
            return state.idle.count
        }
        logger.debug("redis client shut down", metadata: ["redis.idle_connections": "\(idle)"])
        try? await threadPool.shutdownGracefully()
    }

    /// Runs one command; an error reply throws `RedisError.server`.
    @discardableResult
    public func send(_ command: RedisCommand) async throws(RedisError) -> RedisValue {
        let reply = try await pipeline([command])[0]
        if let message = reply.errorMessage {
            throw .server(message)
        }
        return reply
    }

    /// Runs one command given as its name and arguments.
    @discardableResult
    public func send(_ name: String, _ arguments: RedisArgument...) async throws(RedisError) -> RedisValue {
        try await send(RedisCommand(name, arguments))
    }

    /// Sends the commands in one write and returns their replies in order; error replies
    /// come back as `.error` values so one bad command does not hide the others' results.
    public func pipeline(_ commands: [RedisCommand]) async throws(RedisError) -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        do {
            return try await threadPool.runIfActive { try self.executeBlocking(commands) }
        } catch let error as RedisError {
            throw error
        } catch {
            throw .shutdown
        }
    }

    /// Subscribes to channels on a dedicated connection and thread. The stream yields
    /// `.subscribed` after every (re)subscription: messages published while disconnected
    /// are lost, so consumers should treat it as "start over" (e.g. flush a cache).
    /// Ending the stream's iteration stops the thread.
    public func subscribe(to channels: [String]) -> AsyncStream<RedisPubSubEvent> {
        RedisSubscriber(channels: channels, configuration: configuration, logger: logger).start()
    }

    private func executeBlocking(_ commands: [RedisCommand]) throws(RedisError) -> [RedisValue] {
        let connection = try checkout()
        do {
            let replies = try connection.execute(commands)
            checkin(connection)
            return replies
        } catch {
            // The server likely went away: idle siblings are stale too.
            state.withLock { $0.idle.removeAll() }
            logger.warning("redis connection lost", metadata: ["error": "\(error)"])
            throw error
        }
    }

    private func checkout() throws(RedisError) -> RedisConnection {
        let now = ContinuousClock.now
        while true {
            let candidate: Result<RedisConnection?, RedisError> = state.withLock { state in
                if state.isShutdown { return .failure(.shutdown) }
                if let connection = state.idle.popLast() { return .success(connection) }
                if let next = state.nextAttempt, now < next {
                    return .failure(.unavailable("reconnecting, next attempt in \(next - now)"))
                }
                return .success(nil)
            }
            switch candidate {
            case .failure(let error):
                throw error
            case .success(let connection?):
                if !connection.looksClosed { return connection }
            case .success(nil):
                return try connect()
            }
        }
    }

    private func connect() throws(RedisError) -> RedisConnection {
        do {
            let connection = try RedisConnection(
                url: configuration.url,
                connectTimeout: configuration.connectTimeout,
                commandTimeout: configuration.commandTimeout
            )
            let wasBackingOff = state.withLock { state in
                defer {
                    state.backoff = .zero
                    state.nextAttempt = nil
                }
                return state.backoff > .zero
            }
            if wasBackingOff {
                logger.info("redis reconnected", metadata: ["redis.url": "\(configuration.url.redacted)"])
            }
            return connection
        } catch {
            let backoff = state.withLock { state in
                state.backoff = min(max(state.backoff * 2, configuration.minimumBackoff), configuration.maximumBackoff)
                state.nextAttempt = .now + state.backoff
                return state.backoff
            }
            // Only when the backoff starts over or reaches its ceiling: not once per command.
            guard backoff == configuration.minimumBackoff || backoff == configuration.maximumBackoff else { throw error }
            logger.warning(
                "redis connect failed",
                metadata: ["error": "\(error)", "redis.url": "\(configuration.url.redacted)", "redis.backoff": "\(backoff)"]
            )
            throw error
        }
    }

    private func checkin(_ connection: RedisConnection) {
        guard !connection.isBroken else { return }
        state.withLock { state in
            if !state.isShutdown {
                state.idle.append(connection)
            }
        }
    }
}
