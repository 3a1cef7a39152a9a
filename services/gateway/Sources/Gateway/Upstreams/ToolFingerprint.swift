import Crypto
import Foundation
import MCPCore

/// What a pin compares: a SHA-256 over the parts of a tool definition that tell a model what
/// the tool does (name, description, input and output schema, annotations), in canonical form
/// (object keys sorted at every depth), so an upstream reordering keys is not a change.
enum ToolFingerprint {
    static let pinnedFields = ["name", "description", "inputSchema", "outputSchema", "annotations"]

    /// The pinned parts of `definition` (the upstream's own, unprefixed name).
    static func pinned(_ definition: JSONValue) -> JSONValue {
        .object(pinnedFields.compactMap { key in definition[key].map { (key, canonical($0)) } })
    }

    static func hash(_ definition: JSONValue) -> String {
        hash(pinned: pinned(definition))
    }

    /// The hash of parts already reduced by `pinned`.
    static func hash(pinned: JSONValue) -> String {
        SHA256.hash(data: Array(pinned.jsonString.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Objects with their keys sorted (the last of duplicate keys wins, as the parser does).
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var byKey: [String: JSONValue] = [:]
            for (key, member) in members { byKey[key] = canonical(member) }
            return .object(byKey.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        case .array(let items):
            return .array(items.map(canonical))
        default:
            return value
        }
    }
}
