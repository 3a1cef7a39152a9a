/// The type of a configuration value, as documented and as parsed.
public enum ConfigValueType: String, Sendable {
    case string
    case int
    case bool
    /// `500ms`, `5s`, `2m`, `1h`, or a bare number of seconds.
    case duration
    /// A YAML sequence, or a comma-separated list in an environment variable.
    case list
    /// Structured data: YAML in the file, JSON in the environment variable.
    case structured
}

/// One configuration key: where it is read from, its type, default and meaning.
/// Each service declares its keys in one list, which is also its configuration reference.
public struct ConfigKey: Sendable, Hashable {
    /// Dotted path in the YAML file, e.g. `http.port`.
    public let path: String
    /// Environment variable that overrides the file, e.g. `TOLLGATE_GATEWAY_PORT`.
    public let environment: String
    public let type: ConfigValueType
    /// The default as text, `nil` when the key has none (then it is required, or optional by its reader).
    public let defaultValue: String?
    public let help: String
    /// Secrets are redacted wherever configuration is shown.
    public let isSecret: Bool

    public init(
        _ path: String,
        env environment: String,
        _ type: ConfigValueType,
        default defaultValue: String? = nil,
        secret isSecret: Bool = false,
        _ help: String
    ) {
        self.path = path
        self.environment = environment
        self.type = type
        self.defaultValue = defaultValue
        self.help = help
        self.isSecret = isSecret
    }
}

/// A configuration problem, reported at start-up before anything runs.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
