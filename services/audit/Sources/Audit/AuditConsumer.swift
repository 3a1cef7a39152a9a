import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import SharedProto
import TollgateCore
import TollgateRedis

/// Reads `tollgate:audit` as one consumer of the `tollgate-audit` group and stores the events.
///
/// - A batch is stored in one transaction, then acknowledged (XACK only after commit), then
///   announced on `tollgate:audit:committed` for live tail.
/// - After a failure (Postgres or Redis away) the consumer first re-reads its own pending
///   entries, so nothing read but not stored is skipped.
/// - Entries pending with a dead consumer for `claimIdle` are claimed (XAUTOCLAIM); entries
///   delivered more than `maxDeliveries` times, or that cannot be decoded, go to
///   `tollgate:audit:dead` with the reason, and ingest continues.
/// - Acknowledged entries are trimmed (XTRIM MINID below the oldest pending entry), so the
///   stream stays bounded without ever dropping an unacknowledged entry.
final class AuditConsumer: Service, Sendable {
    struct Settings: Sendable {
        var consumer: String
        var batchSize: Int
        var block: Duration
        var claimIdle: Duration
        var maxDeliveries: Int
    }

    private struct Entry {
        var id: String
        var fields: [String: [UInt8]]?
    }

    /// The longest one store transaction may take before it is abandoned (`withWatchdog`).
    static let storeLimit = Duration.seconds(30)

    private let redis: RedisClient
    private let store: AuditStore
    private let readiness: Readiness
    private let settings: Settings
    private let logger: Logger
    private let stored: Counter
    private let deadLettered: Counter
    private let storeFailures: Counter
    private let claimed: Counter

    init(redis: RedisClient, store: AuditStore, readiness: Readiness, settings: Settings, logger: Logger, metrics: PrometheusCollectorRegistry) {
        self.redis = redis
        self.store = store
        self.readiness = readiness
        self.settings = settings
        self.logger = logger
        stored = metrics.counter("tollgate_audit_events_stored_total", help: "Audit events committed to Postgres.")
        deadLettered = metrics.counter("tollgate_audit_dead_lettered_total", help: "Stream entries moved to the dead-letter stream.")
        storeFailures = metrics.counter("tollgate_audit_store_failures_total", help: "Batches that could not be stored (retried).")
        claimed = metrics.counter("tollgate_audit_claimed_total", help: "Entries claimed from dead consumers.")
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        // Nothing is read before the schema (migrations, partitions) is in place.
        while readiness.state == .starting, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
        }
        var backoff = Duration.milliseconds(200)
        var pendingFirst = true
        var groupReady = false
        var lastClaim = ContinuousClock.now - .seconds(3600)
        var lastTrim = ContinuousClock.now
        var lastCheckpoint = ContinuousClock.now
        // The next batch, read and decoded while the previous one was being stored.
        var upcoming: DecodedBatch?
        while !Task.isCancelled {
            do {
                if !groupReady {
                    try await ensureGroup()
                    groupReady = true
                }
                if ContinuousClock.now - lastClaim > min(settings.claimIdle, .seconds(10)) {
                    try await claimAbandoned()
                    lastClaim = .now
                }
                let batch: DecodedBatch
                if let carried = upcoming {
                    batch = carried
                    upcoming = nil
                } else {
                    let entries = try await read(pending: pendingFirst)
                    if pendingFirst, entries.isEmpty {
                        pendingFirst = false
                        continue
                    }
                    batch = decode(entries)
                }
                if pendingFirst {
                    try await commit(batch)
                } else {
                    // Reading and decoding the next batch overlaps storing this one (the audit
                    // service's CPU with Postgres'). A batch read here but not stored stays
                    // pending with this consumer, and is read again first after a failure.
                    async let next = decode(read(pending: false))
                    try await commit(batch)
                    upcoming = try await next
                }
                if ContinuousClock.now - lastTrim > .seconds(5) {
                    try await trim()
                    lastTrim = .now
                }
                // A quiet chain's last links get their checkpoint too (the store decides if one is due).
                if ContinuousClock.now - lastCheckpoint > .seconds(5) {
                    let store = self.store
                    try await withWatchdog(Self.storeLimit) { try await store.checkpointIfDue() }
                    lastCheckpoint = .now
                }
                backoff = .milliseconds(200)
            } catch {
                upcoming = nil
                if Task.isCancelled { break }
                if case .server(let message) = error as? RedisError, message.hasPrefix("NOGROUP") { groupReady = false }
                logger.warning("audit ingest interrupted; retrying", metadata: ["error": "\(String(reflecting: error))", "retry_in": "\(backoff)"])
                pendingFirst = true
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    private func ensureGroup() async throws {
        do {
            try await redis.send("XGROUP", "CREATE", RedisArgument(RedisNames.auditStream), RedisArgument(RedisNames.auditConsumerGroup), "0", "MKSTREAM")
        } catch .server(let message) where message.hasPrefix("BUSYGROUP") {
            // Another audit process created it first.
        }
    }

    /// New entries (blocking up to `block`), or this consumer's own pending ones.
    private func read(pending: Bool) async throws -> [Entry] {
        var arguments: [RedisArgument] = ["GROUP", RedisArgument(RedisNames.auditConsumerGroup), RedisArgument(settings.consumer), "COUNT", RedisArgument(settings.batchSize)]
        if !pending {
            arguments += ["BLOCK", RedisArgument(Int(settings.block.components.seconds * 1000 + settings.block.components.attoseconds / 1_000_000_000_000_000))]
        }
        arguments += ["STREAMS", RedisArgument(RedisNames.auditStream), pending ? "0" : ">"]
        let reply = try await redis.send(RedisCommand("XREADGROUP", arguments))
        guard let streams = reply.array, let first = streams.first?.array, first.count == 2, let entries = first[1].array else { return [] }
        return entries.compactMap(Self.entry)
    }

    private static func entry(_ value: RedisValue) -> Entry? {
        guard let parts = value.array, parts.count == 2, let id = parts[0].string else { return nil }
        guard let flat = parts[1].array else { return Entry(id: id, fields: nil) }
        var fields: [String: [UInt8]] = [:]
        var index = 0
        while index + 1 < flat.count {
            if let key = flat[index].string, case .bulk(let bytes) = flat[index + 1] { fields[key] = bytes }
            index += 2
        }
        return Entry(id: id, fields: fields)
    }

    /// Entries decoded: the events, every id to acknowledge with them, and the poison entries.
    private struct DecodedBatch {
        var decoded: [(entry: Entry, event: AuditEvent)] = []
        var ids: [String] = []
        var poison: [(Entry, String)] = []
    }

    private func process(_ entries: [Entry]) async throws {
        try await commit(decode(entries))
    }

    private func decode(_ entries: [Entry]) -> DecodedBatch {
        var batch = DecodedBatch()
        guard !entries.isEmpty else { return batch }
        for entry in entries {
            guard let fields = entry.fields else {
                // Deleted from the stream while pending: nothing to store.
                batch.ids.append(entry.id)
                continue
            }
            guard let raw = fields["e"] else {
                batch.poison.append((entry, "entry has no 'e' field"))
                continue
            }
            do {
                batch.decoded.append((entry, try AuditEventWire.decode(raw)))
                batch.ids.append(entry.id)
            } catch {
                batch.poison.append((entry, "undecodable audit event: \(error)"))
            }
        }
        return batch
    }

    /// Dead-letters the poison entries, stores the events (one transaction), acknowledges
    /// after the commit, and announces what was committed.
    private func commit(_ batch: DecodedBatch) async throws {
        let decoded = batch.decoded
        let ids = batch.ids
        if !batch.poison.isEmpty { try await deadLetter(batch.poison) }
        guard !decoded.isEmpty || !ids.isEmpty else { return }
        var events = decoded.map(\.event)
        do {
            let store = self.store
            let batch = events
            _ = try await withWatchdog(Self.storeLimit) { try await store.insert(batch) }
        } catch where AuditStore.refusedData(error) != nil {
            // Postgres refuses a value of some event: retried, the batch would hold up the
            // stream for ever. The events are stored one by one and the refused ones dead-lettered.
            storeFailures.increment()
            events = try await storeOneByOne(decoded)
        } catch {
            storeFailures.increment()
            throw error
        }
        stored.increment(by: Int64(events.count))
        try await acknowledge(ids)
        await announce(events)
    }

    /// Stores each event in its own transaction; dead-letters those whose data Postgres refuses.
    /// Returns the events stored.
    private func storeOneByOne(_ decoded: [(entry: Entry, event: AuditEvent)]) async throws -> [AuditEvent] {
        var storedEvents: [AuditEvent] = []
        var refused: [(Entry, String)] = []
        for (entry, event) in decoded {
            do {
                let store = self.store
                _ = try await withWatchdog(Self.storeLimit) { try await store.insert([event]) }
                storedEvents.append(event)
            } catch {
                guard let reason = AuditStore.refusedData(error) else { throw error }
                refused.append((entry, "not storable: \(reason)"))
            }
        }
        if !refused.isEmpty { try await deadLetter(refused) }
        return storedEvents
    }

    private func acknowledge(_ ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        let commands = stride(from: 0, to: ids.count, by: 500).map { start in
            RedisCommand("XACK", [RedisArgument(RedisNames.auditStream), RedisArgument(RedisNames.auditConsumerGroup)] + ids[start..<min(start + 500, ids.count)].map { RedisArgument($0) })
        }
        for reply in try await redis.pipeline(commands) {
            if let message = reply.errorMessage { throw RedisError.server(message) }
        }
    }

    /// Moves entries to the dead-letter stream (with the reason and the original id and fields) and acknowledges them.
    private func deadLetter(_ entries: [(Entry, String)]) async throws {
        var commands: [RedisCommand] = []
        for (entry, reason) in entries {
            var arguments: [RedisArgument] = [RedisArgument(RedisNames.auditDeadLetterStream), "*", "reason", RedisArgument(reason), "source_id", RedisArgument(entry.id)]
            for (key, value) in entry.fields ?? [:] where key != "reason" && key != "source_id" {
                arguments += [RedisArgument(key), RedisArgument(value)]
            }
            commands.append(RedisCommand("XADD", arguments))
            logger.error("audit entry dead-lettered", metadata: ["entry": "\(entry.id)", "reason": "\(reason)"])
        }
        for reply in try await redis.pipeline(commands) {
            if let message = reply.errorMessage { throw RedisError.server(message) }
        }
        try await acknowledge(entries.map { $0.0.id })
        deadLettered.increment(by: Int64(entries.count))
    }

    /// Dead-letters entries delivered too often, then claims what dead consumers left pending.
    private func claimAbandoned() async throws {
        let idle = RedisArgument(Int(settings.claimIdle.components.seconds * 1000 + settings.claimIdle.components.attoseconds / 1_000_000_000_000_000))
        let pending = try await redis.send(
            RedisCommand("XPENDING", [RedisArgument(RedisNames.auditStream), RedisArgument(RedisNames.auditConsumerGroup), "IDLE", idle, "-", "+", RedisArgument(settings.batchSize)])
        )
        var deliveries: [String: Int64] = [:]
        for item in pending.array ?? [] {
            guard let parts = item.array, parts.count == 4, let id = parts[0].string, let count = parts[3].int, count > settings.maxDeliveries else { continue }
            deliveries[id] = count
        }
        if !deliveries.isEmpty {
            // Claimed before they are dead-lettered: when several consumers (of this process or
            // another) see the same entries, only the one whose XCLAIM wins them moves them.
            let reply = try await redis.send(
                RedisCommand(
                    "XCLAIM",
                    [RedisArgument(RedisNames.auditStream), RedisArgument(RedisNames.auditConsumerGroup), RedisArgument(settings.consumer), idle]
                        + deliveries.keys.sorted().map { RedisArgument($0) }
                )
            )
            let exhausted = (reply.array ?? []).compactMap(Self.entry).map { entry in
                (entry, "delivered \(deliveries[entry.id] ?? 0) times without being stored")
            }
            if !exhausted.isEmpty { try await deadLetter(exhausted) }
        }

        let reply = try await redis.send(
            RedisCommand("XAUTOCLAIM", [RedisArgument(RedisNames.auditStream), RedisArgument(RedisNames.auditConsumerGroup), RedisArgument(settings.consumer), idle, "0-0", "COUNT", RedisArgument(settings.batchSize)])
        )
        let entries = (reply.array?[1].array ?? []).compactMap(Self.entry)
        if !entries.isEmpty {
            claimed.increment(by: Int64(entries.count))
            logger.info("claimed audit entries from a dead consumer", metadata: ["entries": "\(entries.count)"])
            try await process(entries)
        }
    }

    /// Trims acknowledged entries: everything below the oldest pending entry, or below the
    /// group's last delivered entry when nothing is pending.
    private func trim() async throws {
        let summary = try await redis.send("XPENDING", RedisArgument(RedisNames.auditStream), RedisArgument(RedisNames.auditConsumerGroup))
        var floor: String?
        if let parts = summary.array, parts.count >= 2, (parts[0].int ?? 0) > 0 {
            floor = parts[1].string
        } else {
            let groups = try await redis.send("XINFO", "GROUPS", RedisArgument(RedisNames.auditStream))
            for group in groups.array ?? [] {
                let flat = group.array ?? []
                var info: [String: RedisValue] = [:]
                var index = 0
                while index + 1 < flat.count {
                    if let key = flat[index].string { info[key] = flat[index + 1] }
                    index += 2
                }
                if info["name"]?.string == RedisNames.auditConsumerGroup { floor = info["last-delivered-id"]?.string }
            }
        }
        guard let floor, floor != "0-0" else { return }
        try await redis.send("XTRIM", RedisArgument(RedisNames.auditStream), "MINID", RedisArgument(floor))
    }

    /// Tells live-tail listeners what was committed (summaries, without payloads). Best effort:
    /// the events are stored whatever happens here.
    private func announce(_ events: [AuditEvent]) async {
        guard !events.isEmpty else { return }
        let data = AuditEventWire.summaries(events)
        _ = try? await redis.send("PUBLISH", RedisArgument(RedisNames.auditCommittedChannel), RedisArgument(data))
    }
}
