import AsyncHTTPClient
import ServiceLifecycle
import TollgateCore

/// The portal's HTTP client (other services, the OIDC issuer) as a `Service`: shut down when
/// the service group stops. Unlike `HTTPClient.shared` it fails fast (`.failFast`), so a
/// service that is down is a quick 503.
final class ManagedHTTPClient: Service, Sendable {
    let client: HTTPClient

    init() {
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .failFast)
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
