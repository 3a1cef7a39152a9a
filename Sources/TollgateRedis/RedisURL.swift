import Foundation

/// Connection settings parsed from `redis://[[user]:password@]host[:port][/db]`.
public struct RedisURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int

    public init(host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses a `redis://` URL; throws `RedisError.invalidConfiguration` on anything else.
    public init(parsing text: String) throws {
        guard let components = URLComponents(string: text), components.scheme == "redis" else {
            throw RedisError.invalidConfiguration("expected a redis:// URL")
        }
        guard let host = components.host, !host.isEmpty else {
            throw RedisError.invalidConfiguration("the redis URL has no host")
        }
        let port = components.port ?? 6379
        guard (1...65535).contains(port) else {
            throw RedisError.invalidConfiguration("redis port \(port) is out of range")
        }
        var database = 0
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let index = Int(path), index >= 0 else {
                throw RedisError.invalidConfiguration("redis database index must be a non-negative integer")
            }
            database = index
        }
        let user = components.user.flatMap { $0.isEmpty ? nil : $0 }
        self.init(
            host: host,
            port: port,
            username: user,
            password: components.password?.removingPercentEncoding ?? components.password,
            database: database
        )
    }

    /// The URL with the password masked, safe to log.
    public var redacted: String {
        let auth = password == nil ? "" : "\(username ?? ""):***@"
        return "redis://\(auth)\(host):\(port)/\(database)"
    }
}
