import Foundation
import MCPCore
import Yams

/// Reads typed configuration values: the environment variable wins, then the YAML file,
/// then the key's default. The YAML file is optional; its scalar values may use
/// `${VAR}` / `${VAR:-default}` interpolation.
///
/// Yams parses the file; the layering and interpolation are ours because no package in
/// the mirror does `${VAR:-default}` interpolation.
public struct ConfigReader: Sendable {
    private let environment: [String: String]
    private let file: [String: ConfigFileValue]
    /// The whole file as JSON (interpolated), for structured keys such as lists of objects.
    private let tree: JSONValue

    enum ConfigFileValue: Sendable, Equatable {
        case scalar(String)
        case list([String])
    }

    /// - Parameters:
    ///   - environment: the process environment.
    ///   - yaml: the configuration file's text, if there is one.
    public init(environment: [String: String], yaml: String? = nil) throws(ConfigError) {
        self.environment = environment
        guard let yaml, !yaml.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            self.file = [:]
            self.tree = .object([])
            return
        }
        let document: Any?
        do {
            document = try Yams.load(yaml: yaml)
        } catch {
            throw ConfigError("the configuration file is not valid YAML: \(error)")
        }
        var flat: [String: ConfigFileValue] = [:]
        try Self.flatten(document, prefix: "", into: &flat, environment: environment)
        self.file = flat
        self.tree = try Self.json(document, environment: environment)
    }

    /// A structured value: the environment variable holds JSON; the file holds YAML.
    /// `nil` when set nowhere.
    public func structured(_ key: ConfigKey) throws(ConfigError) -> JSONValue? {
        if let text = environment[key.environment], !text.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                return try JSONParser.parse(text)
            } catch {
                throw ConfigError("\(key.environment) must be JSON: \(error)")
            }
        }
        var node: JSONValue? = tree
        for part in key.path.split(separator: ".") {
            node = node?[String(part)]
        }
        return node
    }

    private static func json(_ node: Any?, environment: [String: String]) throws(ConfigError) -> JSONValue {
        switch node {
        case nil: return .null
        case let map as [String: Any]:
            var members: [(String, JSONValue)] = []
            for key in map.keys.sorted() { members.append((key, try json(map[key], environment: environment))) }
            return .object(members)
        case let map as [AnyHashable: Any]:
            var members: [(String, JSONValue)] = []
            for (key, value) in map { members.append(("\(key.base)", try json(value, environment: environment))) }
            return .object(members.sorted { $0.0 < $1.0 })
        case let sequence as [Any]:
            var values: [JSONValue] = []
            for element in sequence { values.append(try json(element, environment: environment)) }
            return .array(values)
        case let flag as Bool: return .bool(flag)
        case let number as Int: return .number(String(number))
        case let number as Double: return .number(String(number))
        case let text as String: return .string(try ConfigInterpolation.expand(text, environment: environment))
        case is NSNull: return .null
        default: return .string(try ConfigInterpolation.expand("\(node!)", environment: environment))
        }
    }

    /// Loads the file named by the environment variable `fileVariable`, when set.
    public static func load(environment: [String: String], fileVariable: String) throws(ConfigError) -> ConfigReader {
        guard let path = environment[fileVariable], !path.isEmpty else {
            return try ConfigReader(environment: environment)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read configuration file \(path) (from \(fileVariable))")
        }
        return try ConfigReader(environment: environment, yaml: String(decoding: data, as: UTF8.self))
    }

    /// The raw text of a key, or `nil` when it is set nowhere and has no default.
    public func raw(_ key: ConfigKey) -> String? {
        if let value = environment[key.environment] { return value }
        switch file[key.path] {
        case .scalar(let value): return value
        case .list(let values): return values.joined(separator: ",")
        case nil: return key.defaultValue
        }
    }

    public func string(_ key: ConfigKey) throws(ConfigError) -> String {
        guard let value = raw(key), !value.isEmpty else {
            throw ConfigError("\(key.path) (\(key.environment)) is required")
        }
        return value
    }

    public func optionalString(_ key: ConfigKey) -> String? {
        guard let value = raw(key), !value.isEmpty else { return nil }
        return value
    }

    public func int(_ key: ConfigKey, in range: ClosedRange<Int> = Int.min...Int.max) throws(ConfigError) -> Int {
        let text = try string(key)
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigError("\(key.path) (\(key.environment)) must be an integer, got '\(text)'")
        }
        guard range.contains(value) else {
            throw ConfigError("\(key.path) (\(key.environment)) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    public func bool(_ key: ConfigKey) throws(ConfigError) -> Bool {
        let text = try string(key).lowercased()
        switch text {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ConfigError("\(key.path) (\(key.environment)) must be true or false, got '\(text)'")
        }
    }

    public func duration(_ key: ConfigKey) throws(ConfigError) -> Duration {
        let text = try string(key)
        guard let value = Self.parseDuration(text) else {
            throw ConfigError("\(key.path) (\(key.environment)) must be a duration like 500ms, 5s, 2m or 1h, got '\(text)'")
        }
        return value
    }

    public func list(_ key: ConfigKey) -> [String] {
        if let value = environment[key.environment] {
            return Self.splitList(value)
        }
        switch file[key.path] {
        case .list(let values): return values
        case .scalar(let value): return Self.splitList(value)
        case nil: return key.defaultValue.map(Self.splitList) ?? []
        }
    }

    /// Parses `500ms`, `5s`, `2m`, `1h` or a bare (possibly fractional) number of seconds.
    public static func parseDuration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number >= 0, number.isFinite else { return nil }
            return .milliseconds(Int64((number * scale * 1000).rounded()))
        }
        guard let seconds = Double(trimmed), seconds >= 0, seconds.isFinite else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    private static func splitList(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func flatten(
        _ node: Any?,
        prefix: String,
        into flat: inout [String: ConfigFileValue],
        environment: [String: String]
    ) throws(ConfigError) {
        switch node {
        case nil:
            return
        case let map as [String: Any]:
            for (key, value) in map {
                try flatten(value, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &flat, environment: environment)
            }
        case let map as [AnyHashable: Any]:
            for (key, value) in map {
                let name = "\(key.base)"
                try flatten(value, prefix: prefix.isEmpty ? name : "\(prefix).\(name)", into: &flat, environment: environment)
            }
        case let sequence as [Any]:
            var values: [String] = []
            for element in sequence {
                values.append(try ConfigInterpolation.expand("\(element)", environment: environment))
            }
            flat[prefix] = .list(values)
        default:
            guard !prefix.isEmpty else { throw ConfigError("the configuration file must be a YAML mapping") }
            flat[prefix] = .scalar(try ConfigInterpolation.expand("\(node!)", environment: environment))
        }
    }
}
