import Synchronization

/// A store operation that did not finish in time.
struct StoreStalled: Error, CustomStringConvertible {
    var limit: Duration
    var description: String { "a store transaction did not finish within \(limit); abandoned and retried" }
}

/// Runs `operation`, but stops waiting for it after `limit` and throws `StoreStalled`.
///
/// Why: when Postgres is restarted while a batch transaction is between statements, the
/// next statement sent on the dying connection was seen never to complete (PostgresNIO
/// neither answered nor failed it; the e2e restart test caught it about one run in three).
/// A task group cannot time that out (it waits for its children), so the operation runs in
/// its own task, which is cancelled and left behind; the consumer then retries the batch from
/// its pending entries on a fresh connection, and idempotent inserts make that safe.
func withWatchdog<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let settled = Settled()
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let work = Task {
            do {
                let value = try await operation()
                if settled.claim() { continuation.resume(returning: value) }
            } catch {
                if settled.claim() { continuation.resume(throwing: error) }
            }
        }
        Task {
            try? await Task.sleep(for: limit)
            if settled.claim() {
                work.cancel()
                continuation.resume(throwing: StoreStalled(limit: limit))
            }
        }
    }
}

/// Whichever of the operation and the timer finishes first resumes the caller, once.
private final class Settled: Sendable {
    private let flag = Atomic<Bool>(false)

    func claim() -> Bool { !flag.exchange(true, ordering: .acquiringAndReleasing) }
}
