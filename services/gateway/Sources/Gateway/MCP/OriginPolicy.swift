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
        guard let origin = headers.value(.origin) else { return }
        if allowed.contains("*") { return }
        // An opaque origin (sandboxed frames, file: pages) is refused even when listed.
        if origin == "null" { throw refusal(origin) }
        if allowed.contains(origin) { return }
        if let host = URLComponents(string: origin)?.host, ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host) { return }
        throw refusal(origin)
    }

    private func refusal(_ origin: String) -> HTTPLevelError {
        HTTPLevelError(status: .forbidden, error: .invalidRequest("origin \(origin.prefix(100)) is not allowed"))
    }
}
