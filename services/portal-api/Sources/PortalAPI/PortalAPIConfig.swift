public import SharedProto
public import TollgateCore

/// Configuration of the portal-api service. Keys: `portal-api --config-reference`.
public struct PortalAPIConfig: ServiceConfiguration {
    public static let service = ServiceName.portalAPI
    public static var configKeys: [ConfigKey] { ServiceSettings.keys(for: service) }

    public var settings: ServiceSettings

    public init(reader: ConfigReader) throws(ConfigError) {
        self.settings = try ServiceSettings(service: Self.service, reader: reader)
    }
}
