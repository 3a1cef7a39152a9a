/// Renders a service's keys as the Markdown table of the README's configuration reference.
public enum ConfigReference {
    public static func markdown(title: String, fileVariable: String, keys: [ConfigKey]) -> String {
        var lines = [
            "### \(title)",
            "",
            "YAML file: path in `\(fileVariable)` (optional). Environment variables override the file.",
            "",
            "| key | environment | type | default | description |",
            "|---|---|---|---|---|",
        ]
        for key in keys {
            let fallback = key.defaultValue.map { $0.isEmpty ? "(empty)" : "`\($0)`" } ?? "(none)"
            let help = key.isSecret ? "\(key.help) Secret." : key.help
            lines.append("| `\(key.path)` | `\(key.environment)` | \(key.type.rawValue) | \(fallback) | \(help) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
