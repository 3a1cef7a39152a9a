import Foundation
import HTTPTypes
import MCPCore
import TollgateCore

/// Origin validation against DNS rebinding: requests without `Origin` (non-browser clients)
/// and from localhost pass; other origins must be configured (`*` allows all). A refused
/// origin gets 403.
struct OriginPolicy: Sendable {
    let allowed: [String]

    func check(_ headers: HTTPFields) throws {
        guard let origin = headers.value(.origin), origin != "null" || allowed.contains("*") else {
            if headers.value(.origin) == "null" { throw refusal("null") }
            return
        }
        if allowed.contains("*") || allowed.contains(origin) { return }
        if let host = URLComponents(string: origin)?.host, ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host) { return }
        throw refusal(origin)
    }

    private func refusal(_ origin: String) -> HTTPLevelError {
        HTTPLevelError(status: .forbidden, error: .invalidRequest("origin \(origin.prefix(100)) is not allowed"))
    }
}
