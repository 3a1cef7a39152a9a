import MCPCore
import TollgateAuth
import TollgateCore

/// One federated MCP server, from the `upstreams` configuration list.
struct UpstreamSettings: Sendable {
    enum Transport: Sendable {
        /// Streamable HTTP; header values may come from the environment via `${VAR}` in YAML.
        case http(url: String, headers: [(String, String)])
        /// A subprocess speaking newline-delimited JSON-RPC on stdin/stdout.
        case stdio(command: String, arguments: [String], environment: [String: String])
    }

    var name: String
    var transport: Transport
    /// Prepended to the upstream's tool names (default `<name>__`).
    var prefix: String
    var timeout: Duration
    /// Globs over the upstream's own tool names; empty include means all.
    var include: [String]
    var exclude: [String]
    /// What happens when a tool's definition differs from the one pinned when it was first seen.
    var pin: PinMode = .warn

    func exposes(_ toolName: String) -> Bool {
        ToolGlob.allows(include, toolName) && !exclude.contains { ToolGlob($0).matches(toolName) }
    }

    /// Parses the configured list (YAML in the file, JSON in the environment variable).
    static func parse(_ value: JSONValue?) throws(ConfigError) -> [UpstreamSettings] {
        guard let value, value != .null else { return [] }
        guard let entries = value.arrayValue else { throw ConfigError("upstreams must be a list") }
        var result: [UpstreamSettings] = []
        for (index, entry) in entries.enumerated() {
            let place = "upstreams[\(index)]"
            guard let name = entry["name"]?.stringValue, !name.isEmpty,
                name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
            else { throw ConfigError("\(place).name is required: letters, digits, '_' or '-'") }
            guard !result.contains(where: { $0.name == name }) else { throw ConfigError("\(place): upstream '\(name)' is declared twice") }
            let transport: Transport
            switch entry["transport"]?.stringValue ?? "http" {
            case "http":
                guard let url = entry["url"]?.stringValue, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw ConfigError("\(place).url must be an http(s) URL")
                }
                let headers = (entry["headers"]?.objectValue ?? []).compactMap { key, value in value.stringValue.map { (key, $0) } }
                transport = .http(url: url, headers: headers)
            case "stdio":
                guard let command = entry["command"]?.stringValue, !command.isEmpty else { throw ConfigError("\(place).command is required for stdio") }
                let arguments = (entry["args"]?.arrayValue ?? []).compactMap(\.stringValue)
                let environment = Dictionary((entry["env"]?.objectValue ?? []).compactMap { key, value in value.stringValue.map { (key, $0) } }) { $1 }
                transport = .stdio(command: command, arguments: arguments, environment: environment)
            case let other:
                throw ConfigError("\(place).transport must be http or stdio, got '\(other)'")
            }
            var timeout = Duration.seconds(30)
            if let text = entry["timeout"]?.stringValue ?? entry["timeout"].flatMap({ $0.doubleValue.map { String($0) } }) {
                guard let parsed = ConfigReader.parseDuration(text), parsed > .zero else { throw ConfigError("\(place).timeout must be a duration like 30s") }
                timeout = parsed
            }
            let pinText = entry["pin"]?.stringValue ?? PinMode.warn.rawValue
            guard let pin = PinMode(rawValue: pinText) else { throw ConfigError("\(place).pin must be off, warn or block, got '\(pinText)'") }
            result.append(
                UpstreamSettings(
                    name: name, transport: transport, prefix: entry["prefix"]?.stringValue ?? "\(name)__", timeout: timeout,
                    include: (entry["include"]?.arrayValue ?? []).compactMap(\.stringValue),
                    exclude: (entry["exclude"]?.arrayValue ?? []).compactMap(\.stringValue),
                    pin: pin
                )
            )
        }
        return result
    }
}
