import AsyncHTTPClient
public import Hummingbird
import KeysClient
import Logging
import SharedProto
import TollgateCore

/// Builds the gateway: the MCP endpoint with authentication, sessions, rate limiting and the
/// built-in tools. The executable and the tests both call this.
public func buildApplication(config: GatewayConfig, runtime: ServiceRuntime) async throws -> some ApplicationProtocol {
    let clients = ServiceApplication.Clients(settings: config.settings, logger: runtime.logger)
    let keyCache = KeyValidationCache(
        client: KeysClient(configuration: .init(baseURL: config.keysURL, internalToken: config.settings.internalToken), httpClient: .shared),
        redis: clients.redis,
        configuration: .init(ttl: config.keyCacheTTL, negativeTTL: config.keyNegativeTTL),
        logger: runtime.logger
    )
    let cancellations = CancellationRegistry(redis: clients.redis, logger: runtime.logger)
    let publicURL = config.publicURL
    let baseURL: @Sendable (Request) -> String = { request in
        if let publicURL { return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL }
        return "http://\(request.head.authority ?? "localhost")"
    }

    let router = ServiceApplication.makeRouter(BasicRequestContext.self, settings: config.settings, runtime: runtime)
    router.add(middleware: CORSMiddleware(
        allowOrigin: .all,
        allowHeaders: [.authorization, .contentType, .init("X-API-Key")!, .mcpSessionID, .mcpProtocolVersion, .mcpMethod, .mcpName, .init("Last-Event-ID")!],
        allowMethods: [.get, .post, .delete, .options],
        exposedHeaders: ["Mcp-Session-Id", "MCP-Protocol-Version", "WWW-Authenticate"]
    ))
    WellKnownController(serverName: config.serverName, baseURL: baseURL).addRoutes(to: router)
    MCPEndpoint(
        dispatcher: MCPDispatcher(
            registry: ToolRegistry(builtins: FixtureTools.enabled(config.fixtureGroups)),
            serverName: config.serverName, serverVersion: TollgateVersion.current, instructions: config.instructions,
            pageSize: config.pageSize, logger: runtime.logger, metrics: runtime.metrics
        ),
        authenticator: Authenticator(staticKeys: config.staticKeys, keyCache: keyCache, allowAnonymous: config.allowAnonymous, logger: runtime.logger),
        sessions: SessionStore(redis: clients.redis, ttl: config.sessionTTL),
        rateLimiter: RateLimiter(redis: clients.redis, perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst, logger: runtime.logger, metrics: runtime.metrics),
        cancellations: cancellations,
        originPolicy: OriginPolicy(allowed: config.allowedOrigins),
        maxBodyBytes: config.settings.maxBodyBytes,
        resourceMetadataURL: { "\(baseURL($0))/.well-known/oauth-protected-resource" },
        logger: runtime.logger
    ).addRoutes(to: router)

    return ServiceApplication.make(
        responder: router.buildResponder(),
        settings: config.settings,
        runtime: runtime,
        clients: clients,
        migrations: GatewayMigrations.all,
        services: [keyCache, cancellations]
    )
}
