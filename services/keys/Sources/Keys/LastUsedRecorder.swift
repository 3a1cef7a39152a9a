import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import TollgateCore

/// Collects key uses in memory and writes them in one statement per interval, so a key
/// used a thousand times a second costs one `UPDATE` row per interval, not a thousand.
/// Pending uses are flushed on shutdown too.
final class LastUsedRecorder: Service, Sendable {
    private let store: KeyStore
    private let interval: Duration
    private let logger: Logger
    private let pending = Mutex<[String: Date]>([:])
    private let writes: Prometheus.Counter
    private let failures: Prometheus.Counter

    init(store: KeyStore, interval: Duration, logger: Logger, metrics: PrometheusCollectorRegistry) {
        self.store = store
        self.interval = interval
        self.logger = logger
        self.writes = metrics.counter("tollgate_keys_last_used_rows_written_total", help: "Rows whose last_used_at was updated.")
        self.failures = metrics.counter("tollgate_keys_last_used_flush_failures_total", help: "Failed last_used_at flushes (retried next interval).")
    }

    func record(keyID: String, at time: Date = Date()) {
        pending.withLock { pending in
            if let existing = pending[keyID], existing >= time { return }
            pending[keyID] = time
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.interval)
                await self.flush()
            }
        }
        await flush()
    }

    /// Writes what is pending; on failure the uses are kept for the next attempt.
    func flush() async {
        let batch = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            let written = try await store.recordLastUsed(batch)
            writes.increment(by: Int64(written))
        } catch {
            failures.increment()
            logger.warning("could not write last_used_at", metadata: ["keys": "\(batch.count)", "error": "\(String(reflecting: error))"])
            pending.withLock { pending in
                pending.merge(batch) { max($0, $1) }
            }
        }
    }
}
