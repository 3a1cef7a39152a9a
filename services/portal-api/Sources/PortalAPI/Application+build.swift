import AsyncHTTPClient
public import Hummingbird
import KeysClient
import Logging
public import ServiceLifecycle
import SharedProto
import TollgateAuth
public import TollgateCore

/// Builds the portal-api service: the operator REST API of seed 002 and browser login.
/// The executable and the tests both call this.
public func buildApplication(config: PortalAPIConfig, runtime: ServiceRuntime) async throws -> some ApplicationProtocol {
    let clients = ServiceApplication.Clients(settings: config.settings, logger: runtime.logger)
    let (router, services) = buildRouter(config: config, runtime: runtime, clients: clients)
    return ServiceApplication.make(
        responder: router.withMethodNotAllowed().buildResponder(),
        settings: config.settings,
        runtime: runtime,
        clients: clients,
        migrations: PortalAPIMigrations.all,
        services: services
    )
}

/// The portal's routes and the background services they need (key revocations, live tail).
/// Separate from `buildApplication` so a test can compare the routes with the OpenAPI document.
public func buildRouter(config: PortalAPIConfig, runtime: ServiceRuntime, clients: ServiceApplication.Clients) -> (Router<PortalRequestContext>, [any Service]) {
    let logger = runtime.logger
    let managedHTTP = ManagedHTTPClient()
    let http = managedHTTP.client
    let token = config.settings.internalToken
    let keysClient = KeysClient(configuration: .init(baseURL: config.auth.keysURL, internalToken: token, timeout: config.serviceTimeout), httpClient: http)
    let keyCache = KeyValidationCache(
        client: keysClient, redis: clients.redis,
        configuration: .init(ttl: config.auth.keyCacheTTL, negativeTTL: config.auth.keyNegativeTTL), logger: logger
    )
    let oidc = config.auth.oidc.map { OIDCVerifier(settings: $0, http: http, logger: logger) }
    let authenticator = Authenticator(staticKeys: config.auth.staticKeys, keyCache: keyCache, allowAnonymous: false, oidc: oidc, logger: logger)
    let gateway = ServiceClient(name: "gateway", baseURL: config.gatewayURL, internalToken: token, timeout: config.serviceTimeout, http: http)
    let audit = ServiceClient(name: "audit service", baseURL: config.auditURL, internalToken: token, timeout: config.serviceTimeout, http: http)
    let invoker = ToolInvoker(gateway: gateway)
    let sessions = BrowserSessionStore(client: clients.postgres, logger: logger)
    let feed = AuditFeed(redis: clients.redis, bufferSize: config.streamClientBuffer, maximumClients: config.streamMaxClients, logger: logger, metrics: runtime.metrics)
    let publicURL = config.publicURL
    let baseURL: @Sendable (Request) -> String = { request in publicURL ?? "http://\(request.head.authority ?? "localhost")" }

    let router = ServiceApplication.makeRouter(PortalRequestContext.self, settings: config.settings, runtime: runtime)
    router.add(middleware: CORSPolicy(allowedOrigins: config.corsOrigins))
    ConsoleController(oidcLogin: config.login != nil && oidc != nil).addRoutes(to: router)
    KeySignInController(
        authenticator: authenticator, sessions: sessions, sessionTTL: config.sessionTTL, cookieName: config.cookieName,
        cookieSecure: config.cookieSecure, resourceMetadataURL: { "\(baseURL($0))/.well-known/oauth-protected-resource" }, logger: logger
    ).addRoutes(to: router)
    LoginController(
        login: config.login, oidc: oidc, sessions: sessions, http: http, sessionTTL: config.sessionTTL,
        cookieName: config.cookieName, cookieSecure: config.cookieSecure, baseURL: baseURL, logger: logger
    ).addRoutes(to: router)
    router.get("/api/v1/openapi.json") { _, _ in
        Response.json(OpenAPIDocument.json)
    }

    let api = router.group("/api/v1").add(
        middleware: PortalAuthMiddleware(
            authenticator: authenticator, sessions: sessions, cookieName: config.cookieName,
            resourceMetadataURL: { "\(baseURL($0))/.well-known/oauth-protected-resource" }
        )
    )
    PortalInfoController(
        gateway: gateway, invoker: invoker, sanitizedConfiguration: config.sanitized, oidcIssuer: config.auth.oidc?.issuer,
        replayBurst: config.replayBurst, replayRefillSeconds: config.replayRefillSeconds, baseURL: baseURL
    ).addRoutes(to: api)
    AuditController(audit: audit).addRoutes(to: api)
    ToolReviewController(gateway: gateway).addRoutes(to: api)
    UpstreamsController(gateway: gateway).addRoutes(to: api)
    AuditStreamController(feed: feed, audit: audit, keepalive: config.streamKeepalive).addRoutes(to: api)
    ReplayController(
        audit: audit, invoker: invoker,
        limiter: RateLimiter(
            redis: clients.redis, scope: "replay", perSecond: 1.0 / Double(config.replayRefillSeconds), burst: config.replayBurst,
            logger: logger, metrics: runtime.metrics, service: "portal"
        )
    ).addRoutes(to: api)
    AdminController(keys: keysClient, sessions: sessions, invoker: invoker, reservedNames: config.auth.reservedKeyNames, maxBodyBytes: config.settings.maxBodyBytes).addRoutes(to: api)
    return (router, [managedHTTP, keyCache, feed])
}
