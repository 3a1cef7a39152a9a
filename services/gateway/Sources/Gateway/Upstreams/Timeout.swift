/// Runs `operation`, throwing `UpstreamTimeout` if it takes longer than `limit` (it is
/// cancelled). A task group with a timer per use, for stdio upstreams; HTTP upstreams carry
/// their deadline in `UpstreamHTTPClient`'s per-exchange timer instead.
func withTimeout<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw UpstreamTimeout()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
