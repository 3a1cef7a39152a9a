public import SharedProto
public import TollgateCore

/// Configuration of the gateway service. Keys: `gateway --config-reference`.
public struct GatewayConfig: ServiceConfiguration {
    public static let service = ServiceName.gateway
    public static var configKeys: [ConfigKey] { ServiceSettings.keys(for: service) }

    public var settings: ServiceSettings

    public init(reader: ConfigReader) throws(ConfigError) {
        self.settings = try ServiceSettings(service: Self.service, reader: reader)
    }
}
