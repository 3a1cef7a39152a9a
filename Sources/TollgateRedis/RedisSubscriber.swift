import Foundation
import Logging
import Synchronization

/// An event of a pub/sub subscription.
public enum RedisPubSubEvent: Sendable, Equatable {
    /// The subscription is (again) active; messages sent before this may have been missed.
    case subscribed
    /// A message published on `channel`.
    case message(channel: String, payload: [UInt8])
}

/// Runs one subscription on its own thread and connection, resubscribing with backoff
/// whenever the connection breaks, until the consumer stops iterating.
final class RedisSubscriber: Sendable {
    private let channels: [String]
    private let configuration: RedisClient.Configuration
    private let logger: Logger
    private let stopped = Atomic(false)

    init(channels: [String], configuration: RedisClient.Configuration, logger: Logger) {
        self.channels = channels
        self.configuration = configuration
        self.logger = logger
    }

    func start() -> AsyncStream<RedisPubSubEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: RedisPubSubEvent.self, bufferingPolicy: .bufferingNewest(10_000))
        continuation.onTermination = { [self] _ in
            stopped.store(true, ordering: .relaxed)
        }
        let thread = Thread { [self] in
            loop(continuation)
            continuation.finish()
        }
        thread.name = "redis-subscriber"
        thread.start()
        return stream
    }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    private func loop(_ continuation: AsyncStream<RedisPubSubEvent>.Continuation) {
        var backoff = configuration.minimumBackoff
        while !isStopped {
            do {
                let connection = try RedisConnection(
                    url: configuration.url,
                    connectTimeout: configuration.connectTimeout,
                    commandTimeout: configuration.commandTimeout
                )
                try connection.append(RedisCommand("SUBSCRIBE", channels.map { RedisArgument($0) }))
                for _ in channels {
                    let reply = try connection.readReply()
                    guard reply.array?.first?.string == "subscribe" else {
                        throw RedisError.server(reply.errorMessage ?? "unexpected reply to SUBSCRIBE")
                    }
                }
                continuation.yield(.subscribed)
                backoff = configuration.minimumBackoff
                while !isStopped {
                    guard let reply = try connection.readPushed(timeoutMilliseconds: 200) else { continue }
                    if let parts = reply.array, parts.count == 3, parts[0].string == "message",
                        let channel = parts[1].string, case .bulk(let payload) = parts[2]
                    {
                        continuation.yield(.message(channel: channel, payload: payload))
                    }
                }
            } catch {
                guard !isStopped else { break }
                logger.warning("redis subscription interrupted", metadata: ["error": "\(error)", "redis.backoff": "\(backoff)"])
                sleep(for: backoff)
                backoff = min(backoff * 2, configuration.maximumBackoff)
            }
        }
    }

    /// Sleeps in short steps so that a stopped subscription ends promptly.
    private func sleep(for duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !isStopped, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
