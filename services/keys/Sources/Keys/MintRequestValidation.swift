import Foundation
import SharedProto

/// Checks a mint request before anything is stored; each failure names the field.
enum MintRequestValidation {
    static let maximumScopes = 32
    static let maximumAllowedTools = 256

    static func check(_ request: MintKeyRequest, now: Date = Date()) throws(KeysError) {
        guard isName(request.name) else {
            throw .invalidRequest("name must be 1 to 64 characters of letters, digits, '.', '_' or '-', and not only dots")
        }
        // Lengths count Unicode scalars, as JSON Schema's maxLength does (not grapheme clusters).
        if let description = request.description, description.unicodeScalars.count > 1024 {
            throw .invalidRequest("description must be at most 1024 characters")
        }
        if let createdBy = request.createdBy, createdBy.unicodeScalars.count > 256 || createdBy.contains(where: \.isNewline) {
            throw .invalidRequest("created_by must be one line of at most 256 characters")
        }
        if let expiresAt = request.expiresAt, expiresAt <= now {
            throw .invalidRequest("expires_at must be in the future")
        }
        let scopes = request.scopes ?? []
        guard scopes.count <= maximumScopes else { throw .invalidRequest("at most \(maximumScopes) scopes") }
        for scope in scopes where !isScope(scope) {
            throw .invalidRequest("scope '\(scope.prefix(64))' must be 1 to 64 characters of a-z, 0-9, ':', '.', '_' or '-'")
        }
        let tools = request.allowedTools ?? []
        guard tools.count <= maximumAllowedTools else { throw .invalidRequest("at most \(maximumAllowedTools) allowed_tools patterns") }
        for pattern in tools where pattern.isEmpty || pattern.unicodeScalars.count > 256 || pattern.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw .invalidRequest("allowed_tools patterns must be 1 to 256 printable characters")
        }
    }

    /// 1 to 64 of `A-Za-z0-9._-`, not only dots (`.` and `..` are path segments: such a key
    /// could not be addressed in `DELETE /keys/{name}`).
    static func isName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && !name.utf8.allSatisfy { $0 == UInt8(ascii: ".") }
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }

    static func isScope(_ scope: String) -> Bool {
        (1...64).contains(scope.utf8.count)
            && scope.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }
}
