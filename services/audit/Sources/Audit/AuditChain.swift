import Crypto
import Foundation

/// The arithmetic of the tamper-evident trail (migration 2 defines the tables):
///
///     link(n) = SHA-256(link(n-1) || n as 8 bytes big endian || event hash || payload hash)
///
/// The event and payload hashes are SHA-256 of Postgres' canonical texts of the rows
/// (`audit_event_canonical`, `audit_payload_canonical`); a missing payload counts as 32 zero
/// bytes, and the link before the first is 32 zero bytes. One chain per consumer, which is
/// its only writer, so several consumers never contend for one chain head.
public enum ChainLink {
    public static let genesis = [UInt8](repeating: 0, count: 32)

    public static func next(previous: [UInt8], seq: Int64, eventHash: [UInt8], payloadHash: [UInt8]?) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        withUnsafeBytes(of: UInt64(bitPattern: seq).bigEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: eventHash)
        hasher.update(data: payloadHash ?? genesis)
        return Array(hasher.finalize())
    }

    /// SHA-256 of a canonical text.
    public static func contentHash(_ canonical: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(canonical.utf8)))
    }

    /// SHA-256 of a canonical text's bytes.
    public static func contentHash(_ canonical: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: canonical))
    }

    /// Lower-case hex. (Not `String(format:)`: that went through Foundation's formatter once per
    /// byte and was a tenth of the audit service's CPU while storing chained events.)
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: bytes.count * 2) { output in
            digits.withUTF8Buffer { table in
                for (index, byte) in bytes.enumerated() {
                    output[index * 2] = table[Int(byte >> 4)]
                    output[index * 2 + 1] = table[Int(byte & 0x0f)]
                }
            }
            return bytes.count * 2
        }
    }

    public static func bytes(hex: String) -> [UInt8]? {
        guard hex.utf8.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(hex.utf8.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            result.append(byte)
            index = next
        }
        return result
    }
}

/// A signed statement that a chain had `link` at `seq`.
public struct ChainCheckpoint: Codable, Sendable, Equatable {
    public var chainID: String
    public var seq: Int64
    /// Hex.
    public var link: String
    /// The event time of the link.
    public var ts: Date
    public var signedAt: Date
    /// Which key signed it (see `ChainSigner.keyID`); nil when no key is configured.
    public var keyID: String?
    /// Base64 Ed25519 signature over `message`; nil when unsigned.
    public var signature: String?
    /// Written for a link about to be dropped by retention, so the next link still verifies.
    public var retention: Bool

    enum CodingKeys: String, CodingKey {
        case chainID = "chain_id", seq, link, ts, signedAt = "signed_at", keyID = "key_id", signature, retention
    }

    /// The signed text: versioned, one field per line.
    public static func message(chainID: String, seq: Int64, link: String) -> Data {
        Data("tollgate-audit-checkpoint/1\n\(chainID)\n\(seq)\n\(link)\n".utf8)
    }

    public var message: Data { Self.message(chainID: chainID, seq: seq, link: link) }
}

/// Signs checkpoints with the configured Ed25519 key (swift-crypto). Without a key the
/// checkpoints are stored unsigned, and verification says so.
public struct ChainSigner: Sendable {
    private let key: Curve25519.Signing.PrivateKey?

    /// `seedBase64`: the 32-byte private key seed, base64.
    public init(seedBase64: String?) throws {
        guard let seedBase64, !seedBase64.isEmpty else {
            key = nil
            return
        }
        guard let seed = Data(base64Encoded: seedBase64), seed.count == 32 else {
            throw ChainSignerError(message: "the signing key must be 32 bytes, base64")
        }
        key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    /// No key: checkpoints are unsigned.
    public static let none = ChainSigner()

    private init() {
        key = nil
    }

    public var isConfigured: Bool { key != nil }

    public var publicKeyBase64: String? { key?.publicKey.rawRepresentation.base64EncodedString() }

    /// The first 8 bytes of SHA-256 of the public key, hex.
    public var keyID: String? { key.map { Self.keyID(publicKey: $0.publicKey.rawRepresentation) } }

    public static func keyID(publicKey: Data) -> String {
        ChainLink.hex(Array(SHA256.hash(data: publicKey).prefix(8)))
    }

    public func sign(_ message: Data) throws -> String? {
        try key.map { try $0.signature(for: message).base64EncodedString() }
    }

    /// Whether `checkpoint` carries a valid signature by `publicKeyBase64`.
    public static func verify(_ checkpoint: ChainCheckpoint, publicKeyBase64: String) -> Bool {
        guard let signature = checkpoint.signature.flatMap({ Data(base64Encoded: $0) }), let raw = Data(base64Encoded: publicKeyBase64),
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else { return false }
        return publicKey.isValidSignature(signature, for: checkpoint.message)
    }
}

public struct ChainSignerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
