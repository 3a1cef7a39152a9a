import Logging
import MCPCore
import ServiceLifecycle
import SharedProto
import Synchronization
import TollgateRedis

/// Running 2025-era requests by session and request id, so `notifications/cancelled` can stop
/// them, whichever replica receives the notification: it is applied locally and published on
/// Redis for the replica actually running the call.
final class CancellationRegistry: Service, Sendable {
    static let channel = "tollgate:mcp:cancel"

    private let redis: RedisClient
    private let logger: Logger
    private let running = Mutex<[String: @Sendable () -> Void]>([:])

    init(redis: RedisClient, logger: Logger) {
        self.redis = redis
        self.logger = logger
    }

    static func key(session: String, request: JSONRPCID) -> String { "\(session)|\(request.json)" }

    /// Runs `operation`, cancellable by key while it runs.
    func run<T: Sendable>(key: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await operation() }
        running.withLock { $0[key] = { task.cancel() } }
        defer { running.withLock { _ = $0.removeValue(forKey: key) } }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// Cancels the request here and tells the other replicas.
    func cancel(key: String) async {
        cancelLocally(key: key)
        do {
            try await redis.send("PUBLISH", RedisArgument(Self.channel), RedisArgument(key))
        } catch {
            logger.warning("could not forward a cancellation to other replicas", metadata: ["error": "\(error)"])
        }
    }

    private func cancelLocally(key: String) {
        let cancel = running.withLock { $0[key] }
        cancel?()
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await event in self.redis.subscribe(to: [Self.channel]) {
                if case .message(_, let payload) = event {
                    self.cancelLocally(key: String(decoding: payload, as: UTF8.self))
                }
            }
        }
    }
}
