import Foundation
import MCPCore
import SharedProto
import TollgateRedis

/// A 2025-era MCP session as stored in Redis, so any replica can serve any request of it.
struct MCPSession: Sendable, Equatable {
    var id: String
    var protocolVersion: String
    /// The identity that initialized it; requests from anyone else do not find it.
    var subject: String
    var clientInfo: JSONValue
    /// What the client declared it can do (elicitation, sampling, roots).
    var clientCapabilities: JSONValue = .object([])
}

/// Why a session could not be used.
enum SessionError: Error, Equatable {
    case notFound
    case unavailable
}

/// Sessions in Redis under `tollgate:session:<id>` with an idle TTL renewed by every use.
struct SessionStore: Sendable {
    let redis: RedisClient
    let ttl: Duration

    private var ttlMilliseconds: Int {
        Int(ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Creates a session with a 128-bit random id.
    func create(protocolVersion: String, subject: String, clientInfo: JSONValue, clientCapabilities: JSONValue = .object([])) async throws(SessionError) -> MCPSession {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<2).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
        let session = MCPSession(id: id, protocolVersion: protocolVersion, subject: subject, clientInfo: clientInfo, clientCapabilities: clientCapabilities)
        let value: JSONValue = ["v": .string(protocolVersion), "sub": .string(subject), "client": clientInfo, "caps": clientCapabilities]
        do {
            try await redis.send("SET", RedisArgument(Self.key(id)), RedisArgument(value.jsonString), "PX", RedisArgument(ttlMilliseconds))
        } catch {
            throw .unavailable
        }
        return session
    }

    /// Loads and renews a session; `notFound` when unknown, expired or another identity's.
    func load(id: String, subject: String) async throws(SessionError) -> MCPSession {
        guard Self.isValidID(id) else { throw .notFound }
        let replies: [RedisValue]
        do {
            replies = try await redis.pipeline([
                RedisCommand("GET", [RedisArgument(Self.key(id))]),
                RedisCommand("PEXPIRE", [RedisArgument(Self.key(id)), RedisArgument(ttlMilliseconds)]),
            ])
        } catch {
            throw .unavailable
        }
        guard case .bulk(let bytes) = replies[0], let value = try? JSONParser.parse(bytes),
            let version = value["v"]?.stringValue, let owner = value["sub"]?.stringValue, owner == subject
        else { throw .notFound }
        return MCPSession(
            id: id, protocolVersion: version, subject: owner, clientInfo: value["client"] ?? .null, clientCapabilities: value["caps"] ?? .object([])
        )
    }

    /// Ends a session; `false` when there was none.
    func delete(id: String, subject: String) async throws(SessionError) -> Bool {
        _ = try await load(id: id, subject: subject)
        do {
            return try await redis.send("DEL", RedisArgument(Self.key(id))).int == 1
        } catch {
            throw .unavailable
        }
    }

    static func key(_ id: String) -> String { RedisNames.sessionKeyPrefix + id }

    static func isValidID(_ id: String) -> Bool {
        id.utf8.count == 32 && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
