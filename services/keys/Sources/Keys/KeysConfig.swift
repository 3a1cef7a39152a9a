public import SharedProto
public import TollgateCore

/// Configuration of the keys service. Keys: `keys --config-reference`.
public struct KeysConfig: ServiceConfiguration {
    public static let service = ServiceName.keys
    public static var configKeys: [ConfigKey] { ServiceSettings.keys(for: service) }

    public var settings: ServiceSettings

    public init(reader: ConfigReader) throws(ConfigError) {
        self.settings = try ServiceSettings(service: Self.service, reader: reader)
    }
}
