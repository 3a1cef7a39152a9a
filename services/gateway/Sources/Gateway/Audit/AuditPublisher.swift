import Foundation
import Logging
import NIOPosix
import Prometheus
import ServiceLifecycle
import SharedProto
import Synchronization
import TollgateCore
import TollgateRedis

/// Publishes audit events to `tollgate:audit`.
///
/// Events go into a bounded in-memory queue; a loop drains it in pipelined XADD batches. When
/// Redis cannot take a batch (or the queue is full), the events are appended to a local spool
/// file (JSON lines, fsynced, on a dedicated I/O thread) and replayed when Redis answers again.
/// `publish` returns once its event is in Redis or in the spool, so a call whose answer was sent
/// has its event outside the process: a replica killed right after answering loses nothing.
/// Many concurrent calls share one pipelined XADD, so the wait is about one Redis round trip.
/// An event is dropped only if it can neither be published nor spooled; every outcome is
/// counted on /metrics and drops are logged.
final class AuditPublisher: Service, Sendable {
    struct Settings: Sendable {
        var capacity: Int
        var spoolPath: String
        var batchSize = 500
    }

    private let redis: RedisClient
    private let settings: Settings
    private let logger: Logger
    /// Queued events, each with the caller waiting for it to leave the process (if one waits).
    private let queue = Mutex<(entries: [(event: AuditEvent, done: CheckedContinuation<Void, Never>?)], closed: Bool)>(([], false))
    private let wakeup: AsyncStream<Void>.Continuation
    private let wakeups: AsyncStream<Void>
    /// Spool I/O blocks: it runs on this pool, never on the cooperative pool. One thread, so
    /// spool writes, reads and truncations never interleave.
    private let fileIO = NIOThreadPool(numberOfThreads: 1)
    private let published: Counter
    private let spooled: Counter
    private let replayed: Counter
    private let dropped: Counter
    private let spoolWarnings = LogThrottle()

    init(redis: RedisClient, settings: Settings, logger: Logger, metrics: PrometheusCollectorRegistry) {
        self.redis = redis
        self.settings = settings
        self.logger = logger
        (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        fileIO.start()
        published = metrics.counter("tollgate_gateway_audit_published_total", help: "Audit events written to the Redis stream.")
        spooled = metrics.counter("tollgate_gateway_audit_spooled_total", help: "Audit events written to the local spool while Redis was unavailable.")
        replayed = metrics.counter("tollgate_gateway_audit_replayed_total", help: "Spooled audit events later written to Redis.")
        dropped = metrics.counter("tollgate_gateway_audit_dropped_total", help: "Audit events that could be neither published nor spooled.")
    }

    /// Returns once the event is in Redis or in the spool file.
    func publish(_ event: AuditEvent) async {
        await withCheckedContinuation { continuation in
            enqueue(event, done: continuation)
        }
    }

    /// Queues an event without waiting for it (authentication failures: a flood of bad
    /// credentials must not hold connections open).
    func publishWithoutWaiting(_ event: AuditEvent) {
        enqueue(event, done: nil)
    }

    private func enqueue(_ event: AuditEvent, done: CheckedContinuation<Void, Never>?) {
        let accepted = queue.withLock { queue in
            guard !queue.closed, queue.entries.count < settings.capacity else { return false }
            queue.entries.append((event, done))
            return true
        }
        if accepted {
            wakeup.yield()
        } else {
            // Full queue, or the drain loop has stopped: straight to the spool.
            Task {
                await self.spool([event])
                done?.resume()
            }
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in self.wakeups { await self.drain() }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(2))
                        await self.replaySpool()
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
        // Shutting down: whatever is queued is published or spooled, never left behind, and
        // later events go to the spool directly.
        queue.withLock { $0.closed = true }
        await drain()
        try? await fileIO.shutdownGracefully()
    }

    private func drain() async {
        while true {
            let batch = queue.withLock { queue in
                let count = min(queue.entries.count, settings.batchSize)
                defer { queue.entries.removeFirst(count) }
                return Array(queue.entries.prefix(count))
            }
            guard !batch.isEmpty else { return }
            let events = batch.map(\.event)
            if await xadd(events) {
                published.increment(by: Int64(events.count))
            } else {
                await spool(events)
            }
            for entry in batch { entry.done?.resume() }
        }
    }

    /// One pipelined XADD per event; `false` if Redis did not take all of them.
    private func xadd(_ events: [AuditEvent]) async -> Bool {
        let encoder = WireCoding.encoder()
        var commands: [RedisCommand] = []
        for event in events {
            guard let data = try? encoder.encode(event) else { continue }
            commands.append(RedisCommand("XADD", [RedisArgument(RedisNames.auditStream), "*", "e", RedisArgument(Array(data))]))
        }
        guard let replies = try? await redis.pipeline(commands) else { return false }
        return replies.allSatisfy { $0.errorMessage == nil }
    }

    private func spool(_ events: [AuditEvent]) async {
        let encoder = WireCoding.encoder()
        var lines = Data()
        for event in events {
            guard let data = try? encoder.encode(event) else { continue }
            lines.append(data)
            lines.append(0x0A)
        }
        let path = settings.spoolPath
        let bytes = lines
        do {
            try await fileIO.runIfActive {
                if !FileManager.default.fileExists(atPath: path) {
                    guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                        throw CocoaError(.fileWriteNoPermission)
                    }
                }
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                defer { try? handle.close() }
                try handle.seekToEnd()
                try handle.write(contentsOf: bytes)
                try handle.synchronize()
            }
            spooled.increment(by: Int64(events.count))
            if let suppressed = spoolWarnings.admit() {
                logger.warning("Redis unavailable: audit events spooled", metadata: ["events": "\(events.count)", "spool": "\(path)", "suppressed": "\(suppressed)"])
            }
        } catch {
            dropped.increment(by: Int64(events.count))
            logger.error("audit events LOST: neither Redis nor the spool file took them", metadata: ["events": "\(events.count)", "spool": "\(path)", "error": "\(error)"])
        }
    }

    /// Sends the spool to Redis and empties it. The audit service stores events once by id,
    /// so replaying a line twice (a crash in the middle) is harmless.
    private func replaySpool() async {
        let path = settings.spoolPath
        let read: Data?? = try? await fileIO.runIfActive { () throws -> Data? in
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }
        guard let contents = read ?? nil, !contents.isEmpty else { return }
        let decoder = WireCoding.decoder()
        let events = contents.split(separator: 0x0A).compactMap { try? decoder.decode(AuditEvent.self, from: Data($0)) }
        for start in stride(from: 0, to: events.count, by: settings.batchSize) {
            guard await xadd(Array(events[start..<min(start + settings.batchSize, events.count)])) else { return }
        }
        // Lines appended while replaying are kept: only the replayed prefix is removed.
        let replayedBytes = contents.count
        _ = try? await fileIO.runIfActive {
            let current = try Data(contentsOf: URL(fileURLWithPath: path))
            try current.dropFirst(replayedBytes).write(to: URL(fileURLWithPath: path))
        }
        replayed.increment(by: Int64(events.count))
        logger.info("spooled audit events replayed", metadata: ["events": "\(events.count)"])
    }
}
