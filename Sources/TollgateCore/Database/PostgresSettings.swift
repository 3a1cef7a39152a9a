import Logging
import NIOSSL
import PostgresNIO

/// Where and how a service connects to Postgres.
public struct PostgresSettings: Sendable {
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    public var password: String
    public var tls: TLSMode
    public var maxConnections: Int
    public var startupTimeout: Duration
    /// The schema the service owns and migrates.
    public var schema: String

    public init(
        host: String, port: Int, database: String, user: String, password: String,
        tls: TLSMode = .prefer, maxConnections: Int = 10, startupTimeout: Duration = .seconds(60), schema: String
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.tls = tls
        self.maxConnections = maxConnections
        self.startupTimeout = startupTimeout
        self.schema = schema
    }

    /// A client for these settings; run it as a `Service` in the application's group.
    public func makeClient(logger: Logger) -> PostgresClient {
        let tlsSetting: PostgresClient.Configuration.TLS
        switch tls {
        case .disable: tlsSetting = .disable
        case .prefer: tlsSetting = .prefer(.makeClientConfiguration())
        case .require: tlsSetting = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tlsSetting
        )
        configuration.options.maximumConnections = maxConnections
        configuration.options.connectTimeout = .seconds(5)
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }
}
