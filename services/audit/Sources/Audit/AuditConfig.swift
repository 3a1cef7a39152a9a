public import SharedProto
public import TollgateCore

/// Configuration of the audit service. Keys: `audit --config-reference`.
public struct AuditConfig: ServiceConfiguration {
    public static let service = ServiceName.audit
    public static var configKeys: [ConfigKey] { ServiceSettings.keys(for: service) }

    public var settings: ServiceSettings

    public init(reader: ConfigReader) throws(ConfigError) {
        self.settings = try ServiceSettings(service: Self.service, reader: reader)
    }
}
