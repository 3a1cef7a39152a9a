public import SharedProto

/// A service's whole configuration: the shared settings plus its own keys.
public protocol ServiceConfiguration: Sendable {
    static var service: ServiceName { get }
    /// Every key the service reads, shared ones included: its configuration reference.
    static var configKeys: [ConfigKey] { get }
    var settings: ServiceSettings { get }
    init(reader: ConfigReader) throws(ConfigError)
}

extension ServiceConfiguration {
    /// Loads the configuration from the environment and the optional YAML file it names.
    public init(environment: [String: String]) throws(ConfigError) {
        try self.init(reader: try ConfigReader.load(environment: environment, fileVariable: ServiceSettings.fileVariable(for: Self.service)))
    }

    /// The Markdown configuration reference of the service.
    public static var reference: String {
        ConfigReference.markdown(title: service.rawValue, fileVariable: ServiceSettings.fileVariable(for: service), keys: configKeys)
    }
}
