import Foundation
public import Hummingbird

/// The body of every service executable: `--config-reference` prints the configuration
/// reference; otherwise load the configuration (exit 2 with a message when invalid),
/// bootstrap logging and metrics, build the application and run it until SIGTERM.
public enum ServiceMain {
    public static func run<Config: ServiceConfiguration, App: ApplicationProtocol>(
        _ configuration: Config.Type,
        build: (Config, ServiceRuntime) async throws -> App
    ) async {
        if CommandLine.arguments.contains("--config-reference") {
            print(Config.reference)
            return
        }
        let config: Config
        do {
            config = try Config(environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("\(Config.service.rawValue): configuration error: \(error)\n".utf8))
            exit(2)
        }
        let runtime = ServiceRuntime.bootstrap(service: Config.service, logLevel: config.settings.logLevel)
        do {
            let app = try await build(config, runtime)
            try await runtime.run(app, drainPeriod: config.settings.drainPeriod)
        } catch {
            runtime.logger.critical("service failed", metadata: ["error": "\(String(reflecting: error))"])
            exit(1)
        }
    }
}
