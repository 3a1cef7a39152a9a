import Foundation
import SharedProto

/// Turns a presented key into an identity or a rejection with one indexed lookup and
/// one bcrypt verification.
struct KeyValidator: Sendable {
    let store: KeyStore
    let hasher: KeyHasher
    let lastUsed: LastUsedRecorder

    func validate(_ presented: String) async throws -> KeyValidationResponse {
        guard presented.utf8.count <= APIKeyFormat.maximumPresentedLength, let (id, secret) = APIKeyFormat.parse(presented) else {
            return KeyValidationResponse(rejected: .malformed)
        }
        let stored = try await store.find(id: id)
        // Unknown ids are verified against a decoy hash: same time, same answer as a wrong secret.
        guard try await hasher.verify(secret, against: stored?.hash), let stored else {
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
