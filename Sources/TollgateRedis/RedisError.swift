/// Errors of the Redis client. Messages never contain command arguments.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection could be made (server down, or waiting out the reconnect backoff).
    case unavailable(String)
    /// The connection broke while a command was in flight: it may or may not have run.
    case connectionLost(String)
    /// The server answered with an error reply (e.g. `WRONGTYPE`, `NOGROUP`).
    case server(String)
    /// The URL or configuration is invalid.
    case invalidConfiguration(String)
    /// The client has been shut down.
    case shutdown

    public var description: String {
        switch self {
        case .unavailable(let reason): "redis unavailable: \(reason)"
        case .connectionLost(let reason): "redis connection lost: \(reason)"
        case .server(let message): "redis error reply: \(message)"
        case .invalidConfiguration(let reason): "invalid redis configuration: \(reason)"
        case .shutdown: "redis client is shut down"
        }
    }
}
