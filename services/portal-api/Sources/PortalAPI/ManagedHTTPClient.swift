import AsyncHTTPClient
import ServiceLifecycle

/// The portal's HTTP client (other services, the OIDC issuer) as a `Service`: shut down when
/// the service group stops. Unlike `HTTPClient.shared` it fails fast on a refused connection
/// instead of retrying until the request deadline, so a service that is down is a quick 503.
final class ManagedHTTPClient: Service, Sendable {
    let client: HTTPClient

    init() {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(2)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
