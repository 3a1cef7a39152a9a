import Foundation

/// Expands `${VAR}` and `${VAR:-default}` in configuration values; `$$` is a literal `$`.
/// An unset `${VAR}` without a default is an error rather than an empty string, so a
/// missing secret stops start-up instead of running with an empty password.
public enum ConfigInterpolation {
    public static func expand(_ text: String, environment: [String: String]) throws(ConfigError) -> String {
        guard text.contains("$") else { return text }
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character == "$" else {
                output.append(character)
                index = text.index(after: index)
                continue
            }
            let next = text.index(after: index)
            if next < text.endIndex, text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
                continue
            }
            guard next < text.endIndex, text[next] == "{" else {
                output.append(character)
                index = next
                continue
            }
            guard let close = text[next...].firstIndex(of: "}") else {
                throw ConfigError("unterminated ${ in configuration value")
            }
            let body = text[text.index(after: next)..<close]
            let name: Substring
            let fallback: Substring?
            if let separator = body.range(of: ":-") {
                name = body[..<separator.lowerBound]
                fallback = body[separator.upperBound...]
            } else {
                name = body
                fallback = nil
            }
            guard isValidName(name) else {
                throw ConfigError("invalid variable name '\(name)' in ${...}")
            }
            if let value = environment[String(name)], !(fallback != nil && value.isEmpty) {
                output += value
            } else if let fallback {
                output += fallback
            } else {
                throw ConfigError("${\(name)} is used in the configuration file but not set")
            }
            index = text.index(after: close)
        }
        return output
    }

    private static func isValidName(_ name: Substring) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}
