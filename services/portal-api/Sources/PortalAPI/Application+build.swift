public import Hummingbird
import TollgateCore

/// Builds the portal-api service: the operator REST API and browser login.
/// The executable and the tests both call this.
public func buildApplication(config: PortalAPIConfig, runtime: ServiceRuntime) async throws -> some ApplicationProtocol {
    let clients = ServiceApplication.Clients(settings: config.settings, logger: runtime.logger)
    let router = ServiceApplication.makeRouter(BasicRequestContext.self, settings: config.settings, runtime: runtime)
    return ServiceApplication.make(
        responder: router.buildResponder(),
        settings: config.settings,
        runtime: runtime,
        clients: clients,
        migrations: PortalAPIMigrations.all
    )
}
