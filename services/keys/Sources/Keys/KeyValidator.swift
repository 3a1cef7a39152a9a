import Foundation
import SharedProto

import Prometheus

/// Turns a presented key into an identity or a rejection with one indexed lookup and, for a
/// known id, one bcrypt verification.
struct KeyValidator: Sendable {
    let store: KeyStore
    let hasher: KeyHasher
    let lastUsed: LastUsedRecorder
    /// Presented keys whose id is unknown (refused without bcrypt).
    let unknownIDs: Prometheus.Counter

    func validate(_ presented: String) async throws -> KeyValidationResponse {
        guard presented.utf8.count <= APIKeyFormat.maximumPresentedLength, let (id, secret) = APIKeyFormat.parse(presented) else {
            return KeyValidationResponse(rejected: .malformed)
        }
        // An unknown id is refused at once, without bcrypt: a flood of made-up keys then costs
        // one indexed lookup each and cannot starve real keys of the bcrypt threads. The price
        // is that response time tells whether an id exists; an id is 64 random bits that
        // grant nothing without the 256-bit secret (README, "Security model").
        guard let stored = try await store.find(id: id) else {
            unknownIDs.increment()
            return KeyValidationResponse(rejected: .invalid)
        }
        guard try await hasher.verify(secret, against: stored.hash) else {
            return KeyValidationResponse(rejected: .invalid)
        }
        // Only the holder of the real secret learns that the key is revoked or expired.
        if stored.info.revokedAt != nil {
            return KeyValidationResponse(rejected: .revoked)
        }
        if let expiresAt = stored.info.expiresAt, expiresAt <= Date() {
            return KeyValidationResponse(rejected: .expired)
        }
        lastUsed.record(keyID: id)
        return KeyValidationResponse(
            identity: KeyIdentity(
                id: stored.info.id,
                name: stored.info.name,
                scopes: stored.info.scopes,
                allowedTools: stored.info.allowedTools,
                expiresAt: stored.info.expiresAt
            )
        )
    }
}
