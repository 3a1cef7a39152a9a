/// Glob patterns for tool allow-lists and upstream include/exclude: `*` matches any run of
/// characters, `?` one character; everything else matches itself.
public struct ToolGlob: Sendable, Hashable {
    public let pattern: String
    private let characters: [Character]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.characters = Array(pattern)
    }

    public func matches(_ name: String) -> Bool {
        let text = Array(name)
        var p = 0
        var t = 0
        var star: Int?
        var resume = 0
        while t < text.count {
            if p < characters.count, characters[p] == "?" || characters[p] == text[t] {
                p += 1
                t += 1
            } else if p < characters.count, characters[p] == "*" {
                star = p
                resume = t
                p += 1
            } else if let starIndex = star {
                p = starIndex + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < characters.count, characters[p] == "*" { p += 1 }
        return p == characters.count
    }

    /// Whether `name` is allowed by `patterns` (empty allows everything).
    public static func allows(_ patterns: [String], _ name: String) -> Bool {
        patterns.isEmpty || patterns.contains { ToolGlob($0).matches(name) }
    }
}
