import MCPCore

/// The difference between two tool definitions, for an operator reviewing a change: one entry
/// per path (`inputSchema.properties.city.description`) whose value was added, removed or
/// changed, with the old and new values. Objects are compared by key, arrays by position.
enum DefinitionDiff {
    /// At most this many entries; a larger difference ends with one `…` entry.
    static let limit = 200

    static func entries(old: JSONValue?, new: JSONValue) -> [JSONValue] {
        var entries: [JSONValue] = []
        walk(old.map(ToolFingerprint.pinned), ToolFingerprint.pinned(new), path: "", into: &entries)
        if entries.count > limit {
            entries = Array(entries.prefix(limit)) + [["path": "…", "change": "truncated"]]
        }
        return entries
    }

    private static func walk(_ old: JSONValue?, _ new: JSONValue?, path: String, into entries: inout [JSONValue]) {
        guard entries.count <= limit else { return }
        switch (old, new) {
        case (.object(let before)?, .object(let after)?):
            let beforeByKey = Dictionary(before, uniquingKeysWith: { $1 })
            let afterByKey = Dictionary(after, uniquingKeysWith: { $1 })
            for key in Set(beforeByKey.keys).union(afterByKey.keys).sorted() {
                walk(beforeByKey[key], afterByKey[key], path: path.isEmpty ? key : "\(path).\(key)", into: &entries)
            }
        case (.array(let before)?, .array(let after)?):
            for index in 0..<max(before.count, after.count) {
                walk(index < before.count ? before[index] : nil, index < after.count ? after[index] : nil, path: "\(path)[\(index)]", into: &entries)
            }
        default:
            guard old != new else { return }
            let change = old == nil ? "added" : new == nil ? "removed" : "changed"
            entries.append(["path": .string(path), "change": .string(change), "old": old ?? .null, "new": new ?? .null])
        }
    }
}
