import Foundation
import Synchronization

/// Tells every open session stream of this replica that the tool list changed (each replica
/// refreshes its upstreams itself, so each notices a change itself). A subscriber that has not
/// read the last signal yet is not sent another: the signal means "list again", once is enough.
final class CatalogChangeBroadcast: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<Void>.Continuation]>([:])

    /// A stream of change signals, until the caller stops reading it.
    func subscribe() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    func toolsChanged() {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield() }
    }
}
