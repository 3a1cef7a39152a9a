import AsyncHTTPClient
public import Hummingbird
import KeysClient
import Logging
import NIOPosix
import OTel
import ServiceLifecycle
import SharedProto
import TollgateAuth
import TollgateCore

/// Builds the gateway: the MCP endpoint with authentication, sessions, rate limiting and the
/// built-in tools. The executable and the tests both call this.
public func buildApplication(config: GatewayConfig, runtime: ServiceRuntime) async throws -> some ApplicationProtocol {
    let clients = ServiceApplication.Clients(settings: config.settings, logger: runtime.logger)
    let keyCache = KeyValidationCache(
        client: KeysClient(configuration: .init(baseURL: config.auth.keysURL, internalToken: config.settings.internalToken), httpClient: .shared),
        redis: clients.redis,
        configuration: .init(ttl: config.auth.keyCacheTTL, negativeTTL: config.auth.keyNegativeTTL),
        logger: runtime.logger
    )
    let cancellations = CancellationRegistry(redis: clients.redis, logger: runtime.logger)
    let connections = ConnectionWatch()
    let publicURL = config.publicURL
    let baseURL: @Sendable (Request) -> String = { request in
        if let publicURL { return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL }
        return "http://\(request.head.authority ?? "localhost")"
    }

    let publisher = config.auditEnabled
        ? AuditPublisher(redis: clients.redis, settings: .init(capacity: config.auditQueueCapacity, spoolPath: config.auditSpoolPath), logger: runtime.logger, metrics: runtime.metrics)
        : nil
    let audit = AuditRecorder(publisher: publisher, redactor: Redactor(keys: config.redactKeys), maxPayloadBytes: config.maxPayloadBytes)
    let pins = ToolPinStore(client: clients.postgres, logger: runtime.logger)
    let snapshots = CatalogSnapshotStore(client: clients.postgres, logger: runtime.logger)
    // For the identity provider's keys: fails fast when it is down.
    let upstreamHTTP = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .failFast)
    let upstreams = UpstreamCatalog(
        upstreams: try config.upstreams.map { settings in
            switch settings.transport {
            case .http(let url, let headers):
                // Each HTTP upstream has its own bounded pool of keep-alive connections.
                let client = try UpstreamHTTPClient(
                    url: url, group: MultiThreadedEventLoopGroup.singleton, maximumResponseBytes: HTTPUpstream.maximumResponseBytes
                )
                return UpstreamCatalog.Upstream(
                    settings: settings,
                    connection: HTTPUpstream(name: settings.name, headers: headers, timeout: settings.timeout, http: client, logger: runtime.logger)
                )
            case .stdio(let command, let arguments, let environment):
                return UpstreamCatalog.Upstream(
                    settings: settings,
                    connection: StdioUpstream(name: settings.name, command: command, arguments: arguments, environment: environment, timeout: settings.timeout, logger: runtime.logger)
                )
            }
        },
        refreshInterval: config.upstreamRefreshInterval,
        withdrawAfter: config.upstreamWithdrawAfter,
        httpClient: upstreamHTTP,
        snapshots: snapshots,
        pins: pins,
        audit: audit,
        logger: runtime.logger,
        metrics: runtime.metrics
    )
    let oidc = config.auth.oidc.map { OIDCVerifier(settings: $0, http: upstreamHTTP, logger: runtime.logger) }
    let (spans, tracing) = try makeSpans(config, logger: runtime.logger)
    let router = ServiceApplication.makeRouter(GatewayRequestContext.self, settings: config.settings, runtime: runtime)
    router.add(middleware: CORSPolicy(allowedOrigins: config.corsOrigins))
    WellKnownController(serverName: config.serverName, oidc: oidc, baseURL: baseURL).addRoutes(to: router)
    let relay = InteractionRelay(redis: clients.redis, settings: .init(answerTimeout: config.inputTimeout), logger: runtime.logger)
    let dispatcher = MCPDispatcher(
        registry: ToolRegistry(builtins: FixtureTools.enabled(config.fixtureGroups)),
        upstreams: upstreams,
        relay: relay,
        serverName: config.serverName, serverVersion: TollgateVersion.current, instructions: config.instructions,
        pageSize: config.pageSize, listTTL: config.listTTL, logger: runtime.logger, metrics: runtime.metrics
    )
    GatewayInfoController(dispatcher: dispatcher, sanitizedConfiguration: config.sanitized, internalToken: config.settings.internalToken).addRoutes(to: router)
    UpstreamReportController(upstreams: upstreams, snapshots: snapshots, internalToken: config.settings.internalToken).addRoutes(to: router)
    CatalogReviewController(pins: pins, upstreams: upstreams, audit: audit, internalToken: config.settings.internalToken).addRoutes(to: router)
    InvokeController(dispatcher: dispatcher, audit: audit, internalToken: config.settings.internalToken, maxBodyBytes: config.settings.maxBodyBytes).addRoutes(to: router)
    MCPEndpoint(
        dispatcher: dispatcher,
        authenticator: Authenticator(staticKeys: config.auth.staticKeys, keyCache: keyCache, allowAnonymous: config.allowAnonymous, oidc: oidc, logger: runtime.logger),
        sessions: SessionStore(redis: clients.redis, ttl: config.sessionTTL),
        rateLimiter: RateLimiter(
            redis: clients.redis, scope: "mcp", perSecond: Double(config.rateLimitPerSecond), burst: config.rateLimitBurst,
            logger: runtime.logger, metrics: runtime.metrics, service: "gateway"
        ),
        cancellations: cancellations,
        originPolicy: OriginPolicy(allowed: config.allowedOrigins),
        audit: audit,
        clientAddress: config.settings.clientAddress,
        connections: connections,
        maxBodyBytes: config.settings.maxBodyBytes,
        spans: spans,
        resourceMetadataURL: { "\(baseURL($0))/.well-known/oauth-protected-resource" },
        logger: runtime.logger
    ).addRoutes(to: router)

    return ServiceApplication.make(
        responder: router.withMethodNotAllowed().buildResponder(),
        settings: config.settings,
        runtime: runtime,
        clients: clients,
        migrations: GatewayMigrations.all,
        // The span exporter first: it is stopped last, after the requests it reports on.
        services: (tracing.map { [$0] } ?? []) + [keyCache, cancellations, relay, upstreams] + (publisher.map { [$0] } ?? []),
        connectionWatch: connections
    )
}

/// The span exporter (swift-otel, OTLP over HTTP) when `otel.endpoint` is set: the spans
/// recorder and the service that batches and sends them. Passed down, not bootstrapped
/// globally, so tests can run several gateways in one process.
func makeSpans(_ config: GatewayConfig, logger: Logger) throws -> (MCPSpans, (any Service)?) {
    guard let endpoint = config.otelEndpoint else { return (.off, nil) }
    var configuration = OTel.Configuration.default
    configuration.serviceName = config.otelServiceName
    configuration.logs.enabled = false
    configuration.metrics.enabled = false
    configuration.propagators = [.traceContext]
    configuration.diagnosticLogger = .custom(logger)
    configuration.traces.exporter = .otlp
    configuration.traces.otlpExporter.endpoint = endpoint
    configuration.traces.otlpExporter.protocol = config.otelJSON ? .httpJSON : .httpProtobuf
    let backend = try OTel.makeTracingBackend(configuration: configuration)
    return (MCPSpans(tracer: backend.factory), backend.service)
}
