import Crypto
import MCPCore

/// `fixed_response`: `{key, hash: sha256(key) hex, body: "fixed[<key>]: <hash>"}`.
struct FixedResponseTool: BuiltinTool {
    let definition = ToolDefinition(
        name: "fixed_response", description: "Deterministic answer for `key`: its SHA-256 and a body built from it.",
        inputSchema: Schema.object([("key", Schema.string("Any string."))], required: ["key"]), group: "data", annotations: ["readOnlyHint": true]
    )

    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        let key = try ToolArguments(arguments).string("key")
        let hash = SHA256.hash(data: Array(key.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        let body = "fixed[\(key)]: \(hash)"
        return ToolResult.text(body, structured: ["key": .string(key), "hash": .string(hash), "body": .string(body)])
    }
}

/// `sized_response`: a body of exactly `size` characters, the lowercase alphabet repeated.
struct SizedResponseTool: BuiltinTool {
    static let maximumSize = 16 * 1024 * 1024

    let definition = ToolDefinition(
        name: "sized_response", description: "Returns a text body of exactly `size` characters (a-z repeated).",
        inputSchema: Schema.object([("size", Schema.integer("Characters to return.", minimum: 0, maximum: maximumSize))], required: ["size"]),
        group: "data", annotations: ["readOnlyHint": true]
    )

    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        let size = try ToolArguments(arguments).int("size", range: 0...Self.maximumSize)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        let body = String(decoding: (0..<size).lazy.map { alphabet[$0 % 26] }, as: UTF8.self)
        return ToolResult.text(body, structured: ["size": .int(size)])
    }
}

/// `lorem`: `words` words of lorem ipsum; the same `seed` always gives the same text.
struct LoremTool: BuiltinTool {
    static let vocabulary = [
        "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod", "tempor",
        "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim", "ad", "minim", "veniam", "quis", "nostrud",
        "exercitation", "ullamco", "laboris", "nisi", "aliquip", "ex", "ea", "commodo", "consequat", "duis", "aute", "irure",
        "in", "reprehenderit", "voluptate", "velit", "esse", "cillum", "fugiat", "nulla", "pariatur", "excepteur", "sint",
        "occaecat", "cupidatat", "non", "proident", "sunt", "culpa", "qui", "officia", "deserunt", "mollit", "anim", "id", "est", "laborum",
    ]

    let definition = ToolDefinition(
        name: "lorem", description: "Lorem ipsum text: `words` words (default 50, max 5000); the same `seed` gives the same text.",
        inputSchema: Schema.object([("words", Schema.integer("Number of words.", minimum: 1, maximum: 5000)), ("seed", ["type": ["string", "integer"], "description": "Seed; default 0."])]),
        group: "data", annotations: ["readOnlyHint": true]
    )

    func call(arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        let arguments = try ToolArguments(arguments)
        let count = try arguments.int("words", default: 50, range: 1...5000)
        let seed = try arguments.token("seed", default: "0")
        var generator = SplitMix64(seed: SplitMix64.seed(from: seed))
        var words: [String] = []
        words.reserveCapacity(count)
        for _ in 0..<count {
            words.append(Self.vocabulary[Int(generator.next() % UInt64(Self.vocabulary.count))])
        }
        let text = words.joined(separator: " ")
        return ToolResult.text(text, structured: ["words": .int(count), "seed": .string(seed)])
    }
}

/// A small deterministic PRNG (SplitMix64) so fixture outputs are the same on every run and platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A stable seed from text (the first 8 bytes of its SHA-256).
    static func seed(from text: String) -> UInt64 {
        SHA256.hash(data: Array(text.utf8)).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
