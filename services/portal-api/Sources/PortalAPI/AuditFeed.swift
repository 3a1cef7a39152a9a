import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import SharedProto
import Synchronization
import TollgateCore
import TollgateRedis

/// The live tail behind `/audit/stream`: one Redis subscription to the audit service's
/// committed-event announcements per portal process, fanned out to every open stream. Each
/// stream has its own bounded buffer: a slow client loses its oldest events (counted), and
/// never holds up the subscription or the other clients.
final class AuditFeed: Service, Sendable {
    /// What a stream receives.
    enum Item: Sendable {
        case events([Announced])
        case keepalive
    }

    /// A committed event with its SSE frame, rendered once for all streams.
    struct Announced: Sendable {
        let event: AuditEvent
        let frame: String
    }

    struct Subscription: Sendable {
        let id: Int
        let items: AsyncStream<Item>
    }

    private struct State {
        var nextID = 0
        var clients: [Int: AsyncStream<Item>.Continuation] = [:]
        /// Events each stream lost since it was last told (`takeDropped`).
        var dropped: [Int: Int] = [:]
    }

    private let redis: RedisClient
    private let bufferSize: Int
    private let maximumClients: Int
    private let logger: Logger
    private let state = Mutex(State())
    private let received: Prometheus.Counter
    private let dropped: Prometheus.Counter
    private let undecodable: Prometheus.Counter

    init(redis: RedisClient, bufferSize: Int, maximumClients: Int, logger: Logger, metrics: PrometheusCollectorRegistry) {
        self.redis = redis
        self.bufferSize = bufferSize
        self.maximumClients = maximumClients
        self.logger = logger
        self.received = metrics.counter("tollgate_portal_stream_events_total", help: "Committed audit events received for live tail (while a stream was open).")
        self.dropped = metrics.counter("tollgate_portal_stream_dropped_total", help: "Live-tail deliveries dropped because a client was too slow.")
        self.undecodable = metrics.counter("tollgate_portal_stream_undecodable_total", help: "Announcements that could not be decoded.")
    }

    var clientCount: Int { state.withLock { $0.clients.count } }

    /// A new stream's feed, or `nil` when `maximumClients` are already open.
    func subscribe() -> Subscription? {
        let (stream, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let id: Int? = state.withLock { state in
            guard state.clients.count < maximumClients else { return nil }
            state.nextID += 1
            state.clients[state.nextID] = continuation
            return state.nextID
        }
        guard let id else { return nil }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return Subscription(id: id, items: stream)
    }

    /// Adds a keepalive to one stream's feed.
    func keepalive(_ id: Int) {
        _ = state.withLock { $0.clients[id] }?.yield(.keepalive)
    }

    /// Events that stream `id` lost to its full buffer since the last call; the stream tells
    /// its client (the console shows the count).
    func takeDropped(_ id: Int) -> Int {
        state.withLock { $0.dropped.removeValue(forKey: id) ?? 0 }
    }

    func unsubscribe(_ id: Int) {
        let continuation = state.withLock { state in
            state.dropped[id] = nil
            return state.clients.removeValue(forKey: id)
        }
        continuation?.finish()
    }

    func run() async throws {
        let announcements = redis.subscribe(to: [RedisNames.auditCommittedChannel])
        await cancelWhenGracefulShutdown {
            for await event in announcements {
                guard case .message(_, let payload) = event else { continue }
                self.deliver(payload)
            }
        }
        let clients = state.withLock { state in
            defer { state.clients.removeAll() }
            return Array(state.clients.values)
        }
        for client in clients { client.finish() }
    }

    private func deliver(_ payload: [UInt8]) {
        // Nobody is tailing: the announcement is not even decoded (it costs as much CPU per
        // event as a fair share of the audit write path).
        let clients = state.withLock { Array($0.clients) }
        guard !clients.isEmpty else { return }
        let events: [AuditEvent]
        do {
            events = try WireCoding.decoder().decode([AuditEvent].self, from: Data(payload))
        } catch {
            undecodable.increment()
            logger.warning("undecodable audit announcement", metadata: ["error": "\(error)"])
            return
        }
        received.increment(by: Int64(events.count))
        let announced = events.map { Announced(event: $0, frame: $0.sseFrame) }
        for (id, client) in clients {
            // The buffer keeps the newest: what falls out is its oldest batch.
            guard case .dropped(let evicted) = client.yield(.events(announced)) else { continue }
            let lost = if case .events(let old) = evicted { old.count } else { 0 }
            guard lost > 0 else { continue }
            dropped.increment(by: Int64(lost))
            state.withLock { $0.dropped[id, default: 0] += lost }
        }
    }
}
