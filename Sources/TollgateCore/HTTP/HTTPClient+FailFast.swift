public import AsyncHTTPClient

extension HTTPClient.Configuration {
    /// For calls to other services and upstreams: a peer that is down fails within 2 s, where
    /// AsyncHTTPClient's default retries the connection until the request deadline, so the
    /// caller answers at once (a 503, a JSON-RPC error) instead of hanging.
    public static var failFast: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(2)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        return configuration
    }
}
