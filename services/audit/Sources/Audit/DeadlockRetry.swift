import PostgresNIO

/// Runs `operation` again when Postgres chose it as the victim of a deadlock (SQLSTATE 40P01),
/// up to `attempts` times. Partition maintenance (creating, attaching and dropping partitions)
/// and a whole-window read (verification) lock the same partitions in different orders; the
/// victim's transaction was rolled back, so running it again is safe.
func retryingDeadlocks<T>(attempts: Int = 3, _ operation: () async throws -> T) async throws -> T {
    var attempt = 1
    while true {
        do {
            return try await operation()
        } catch where attempt < attempts && isDeadlock(error) {
            attempt += 1
            try await Task.sleep(for: .milliseconds(50 * attempt))
        }
    }
}

func isDeadlock(_ error: any Error) -> Bool {
    let cause = (error as? PostgresTransactionError)?.closureError ?? error
    return (cause as? PSQLError)?.serverInfo?[.sqlState] == "40P01"
}
