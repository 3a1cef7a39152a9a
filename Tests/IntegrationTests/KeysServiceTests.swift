import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import KeysClient
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SharedProto
import Testing
import TollgateCore
import TollgateRedis

@testable import Keys

/// The keys service end to end: the real application on a live port, the real test
/// database, the real Redis, and the client library the gateway uses.
// A hung dependency fails the suite instead of stalling the whole CI run.
@Suite(.timeLimit(.minutes(3))) struct KeysServiceTests {
    static let internalToken = "integration-test-internal-token"

    struct Harness {
        let client: KeysClient
        let runtime: ServiceRuntime
        let port: Int
        let redisURL: RedisURL

        func uniqueName(_ prefix: String = "key") -> String {
            "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        }

        /// bcrypt verifications counted by the keys service so far.
        func bcryptVerifications() -> Int {
            let text = runtime.metrics.emitToString()
            let line = text.split(separator: "\n").first { $0.hasPrefix("tollgate_keys_bcrypt_verifications_total ") }
            return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        }

        func makeCache(ttl: Duration = .seconds(300)) -> (KeyValidationCache, RedisClient) {
            let redis = RedisClient(configuration: .init(url: redisURL), logger: TestEnvironment.logger)
            let cache = KeyValidationCache(client: client, redis: redis, configuration: .init(ttl: ttl), logger: TestEnvironment.logger)
            return (cache, redis)
        }

        /// Raw HTTP against the service, for status codes and bodies the client hides.
        func raw(_ method: NIOHTTP1.HTTPMethod, _ path: String, body: String? = nil, token: String? = KeysServiceTests.internalToken) async throws -> (Int, String) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = method
            if let token { request.headers.add(name: InternalAPI.tokenHeader, value: token) }
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: bytes))
        }
    }

    static func withKeysService(extra: [String: String] = [:], _ body: @Sendable (Harness) async throws -> Void) async throws {
        var environment = try ServiceApplicationTests.environment(for: .keys)
        environment["TOLLGATE_INTERNAL_TOKEN"] = internalToken
        environment["TOLLGATE_KEYS_BCRYPT_COST"] = "4"
        environment.merge(extra) { $1 }
        let config = try KeysConfig(reader: ConfigReader(environment: environment))
        let runtime = ServiceRuntime(service: .keys, logger: TestEnvironment.logger)
        let redisURL = try RedisURL(parsing: try TestEnvironment.require("TOLLGATE_REDIS_URL"))
        try await Keys.buildApplication(config: config, runtime: runtime).test(.live) { testClient in
            #expect(try await ServiceApplicationTests.becomesReady(testClient))
            let port = try #require(testClient.port)
            let client = KeysClient(configuration: .init(baseURL: "http://127.0.0.1:\(port)", internalToken: internalToken), httpClient: .shared)
            try await body(Harness(client: client, runtime: runtime, port: port, redisURL: redisURL))
        }
    }

    /// Runs the cache's revocation listener while `body` runs.
    static func listening(_ cache: KeyValidationCache, _ body: @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await cache.run() }
            for _ in 0..<100 where !cache.isListening {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(cache.isListening)
            try await body()
            group.cancelAll()
        }
    }

    @Test func mintValidateRevokeValidate() async throws {
        try await Self.withKeysService { harness in
            let name = harness.uniqueName()
            let minted = try await harness.client.mint(MintKeyRequest(name: name, description: "ci", scopes: ["tools"], allowedTools: ["echo", "fixed_*"], createdBy: "tester"))
            #expect(minted.plaintext.hasPrefix("mt_\(minted.key.id)_"))
            #expect(APIKeyFormat.parse(minted.plaintext) != nil)
            #expect(minted.key.createdBy == "tester")

            let valid = try await harness.client.validate(minted.plaintext)
            #expect(valid.valid)
            #expect(valid.identity == KeyIdentity(id: minted.key.id, name: name, scopes: ["tools"], allowedTools: ["echo", "fixed_*"], expiresAt: nil))

            #expect(try await harness.client.get(name: name)?.id == minted.key.id)
            #expect(try await harness.client.revoke(name: name))
            #expect(try await harness.client.validate(minted.plaintext) == KeyValidationResponse(rejected: .revoked))
            #expect(try await harness.client.revoke(name: name) == false)
            #expect(try await harness.client.get(name: name) == nil)

            // The name is free again; the old key stays revoked.
            let again = try await harness.client.mint(MintKeyRequest(name: name))
            #expect(try await harness.client.validate(again.plaintext).valid)
            #expect(try await harness.client.validate(minted.plaintext).reason == .revoked)
            let all = try await harness.client.list(includeRevoked: true).filter { $0.name == name }
            #expect(all.count == 2)
            #expect(try await harness.client.list().filter { $0.name == name }.count == 1)
        }
    }

    @Test func cacheSeesARevocationWithinOneSecond() async throws {
        try await Self.withKeysService { harness in
            let (cache, redis) = harness.makeCache()
            try await Self.listening(cache) {
                let name = harness.uniqueName("revoke")
                let minted = try await harness.client.mint(MintKeyRequest(name: name))
                #expect(try await cache.validate(minted.plaintext).valid)
                #expect(try await cache.validate(minted.plaintext).valid)
                #expect(cache.statistics.hits == 1)

                #expect(try await harness.client.revoke(name: name))
                let revokedAt = ContinuousClock.now
                var refused = false
                while ContinuousClock.now - revokedAt < .seconds(1) {
                    if try await cache.validate(minted.plaintext).reason == .revoked {
                        refused = true
                        break
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(refused, "the cache still accepted the key one second after revocation")
                #expect(cache.statistics.invalidations >= 1)
            }
            await redis.shutdown()
        }
    }

    @Test func expiredKeysAreRefused() async throws {
        try await Self.withKeysService { harness in
            let (cache, redis) = harness.makeCache()
            let minted = try await harness.client.mint(MintKeyRequest(name: harness.uniqueName("expiring"), expiresAt: Date().addingTimeInterval(1.5)))
            #expect(try await cache.validate(minted.plaintext).valid)
            try await Task.sleep(for: .milliseconds(1700))
            #expect(try await harness.client.validate(minted.plaintext) == KeyValidationResponse(rejected: .expired))
            // The cached identity carries its expiry: refused without asking the service again.
            let misses = cache.statistics.misses
            #expect(try await cache.validate(minted.plaintext) == KeyValidationResponse(rejected: .expired))
            #expect(cache.statistics.misses == misses)

            let (status, body) = try await harness.raw(.POST, InternalAPI.Keys.keys, body: #"{"name":"\#(harness.uniqueName())","expires_at":"2001-01-01T00:00:00Z"}"#)
            #expect(status == 400)
            #expect(body == #"{"error":"expires_at must be in the future"}"#)
            await redis.shutdown()
        }
    }

    @Test func concurrentValidationsOfANewKeyCostOneBcryptVerification() async throws {
        try await Self.withKeysService { harness in
            let (cache, redis) = harness.makeCache()
            let minted = try await harness.client.mint(MintKeyRequest(name: harness.uniqueName("burst")))
            let before = harness.bcryptVerifications()
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<100 {
                    group.addTask { try await cache.validate(minted.plaintext).valid }
                }
                var all: [Bool] = []
                for try await valid in group { all.append(valid) }
                return all
            }
            #expect(results.count == 100 && results.allSatisfy { $0 })
            #expect(harness.bcryptVerifications() - before == 1)
            let statistics = cache.statistics
            #expect(statistics.misses == 1)
            #expect(statistics.coalesced + statistics.hits == 99)
            await redis.shutdown()
        }
    }

    @Test func unknownMalformedAndOversizedKeysAreRefused() async throws {
        try await Self.withKeysService { harness in
            let (cache, redis) = harness.makeCache()
            let unknown = APIKeyFormat.format(id: String(repeating: "a", count: 16), secret: String(repeating: "b", count: 64))
            #expect(try await harness.client.validate(unknown) == KeyValidationResponse(rejected: .invalid))
            #expect(try await cache.validate(unknown) == KeyValidationResponse(rejected: .invalid))

            // A real id with a wrong secret gets the same answer as an unknown id.
            let minted = try await harness.client.mint(MintKeyRequest(name: harness.uniqueName()))
            let wrongSecret = APIKeyFormat.format(id: minted.key.id, secret: String(repeating: "0", count: 64))
            #expect(try await harness.client.validate(wrongSecret) == KeyValidationResponse(rejected: .invalid))

            for malformed in ["", "mt_", "mt_short_secret", "Bearer x", minted.plaintext.uppercased(), minted.plaintext + "0"] {
                #expect(try await harness.client.validate(malformed) == KeyValidationResponse(rejected: .malformed))
                #expect(try await cache.validate(malformed) == KeyValidationResponse(rejected: .malformed))
            }
            let oversized = "mt_" + String(repeating: "a", count: 10_000)
            #expect(try await cache.validate(oversized) == KeyValidationResponse(rejected: .malformed))
            #expect(cache.statistics.localRejections == 7)

            let (status, body) = try await harness.raw(.POST, InternalAPI.Keys.validate, body: #"{"key":"\#(oversized)"}"#)
            #expect(status == 413)
            #expect(body == #"{"error":"request body is larger than 1024 bytes"}"#)
            await redis.shutdown()
        }
    }

    @Test func adminAPIErrors() async throws {
        try await Self.withKeysService { harness in
            let name = harness.uniqueName("admin")
            _ = try await harness.client.mint(MintKeyRequest(name: name))
            var (status, body) = try await harness.raw(.POST, InternalAPI.Keys.keys, body: #"{"name":"\#(name)"}"#)
            #expect(status == 409)
            #expect(body == #"{"error":"an active key named '\#(name)' already exists"}"#)

            (status, body) = try await harness.raw(.POST, InternalAPI.Keys.keys, body: #"{"name": 12"#)
            #expect(status == 400)
            #expect(body.hasPrefix(#"{"error":"invalid JSON body"#))

            (status, body) = try await harness.raw(.POST, InternalAPI.Keys.keys, body: #"{"description":"no name"}"#)
            #expect(status == 400)
            #expect(body == #"{"error":"invalid JSON body: missing field 'name'"}"#)

            (status, _) = try await harness.raw(.POST, InternalAPI.Keys.keys, body: #"{"name":"bad name!"}"#)
            #expect(status == 400)
            (status, body) = try await harness.raw(.POST, InternalAPI.Keys.keys, body: #"{"name":"\#(harness.uniqueName())","scopes":["ADMIN"]}"#)
            #expect(status == 400)
            #expect(body.contains("scope 'ADMIN'"))

            (status, body) = try await harness.raw(.GET, InternalAPI.Keys.keys, token: nil)
            #expect(status == 401)
            #expect(body == #"{"error":"missing or invalid internal token"}"#)
            (status, _) = try await harness.raw(.GET, InternalAPI.Keys.keys, token: "wrong-token-of-some-length")
            #expect(status == 401)

            (status, body) = try await harness.raw(.DELETE, "\(InternalAPI.Keys.keys)/no-such-key")
            #expect(status == 404)
            #expect(body == #"{"error":"no active key named 'no-such-key'"}"#)

            (status, _) = try await harness.raw(.GET, "\(InternalAPI.Keys.keys)?include_revoked=maybe")
            #expect(status == 400)

            // Listing never shows hashes or plaintexts.
            (status, body) = try await harness.raw(.GET, InternalAPI.Keys.keys)
            #expect(status == 200)
            #expect(!body.contains("hash") && !body.contains("plaintext") && !body.contains("$2b$"))
            #expect(body.contains(#""name":"\#(name)""#))
        }
    }

    @Test func lastUsedIsWrittenInOneBatchPerInterval() async throws {
        try await Self.withKeysService(extra: ["TOLLGATE_KEYS_LAST_USED_INTERVAL": "1h"]) { harness in
            let minted = try await harness.client.mint(MintKeyRequest(name: harness.uniqueName("used")))
            #expect(try await harness.client.get(name: minted.key.name)?.lastUsedAt == nil)
            let postgres = try TestEnvironment.roleConfiguration(.keys)
            try await TestEnvironment.withClient(postgres) { client in
                let recorder = LastUsedRecorder(store: KeyStore(client: client, logger: TestEnvironment.logger), interval: .seconds(3600), logger: TestEnvironment.logger, metrics: harness.runtime.metrics)
                let now = Date()
                for offset in 0..<1000 {
                    recorder.record(keyID: minted.key.id, at: now.addingTimeInterval(Double(offset) / 1000))
                }
                let store = KeyStore(client: client, logger: TestEnvironment.logger)
                await recorder.flush()
                let used = try #require(try await store.activeKey(named: minted.key.name)?.lastUsedAt)
                #expect(abs(used.timeIntervalSince(now.addingTimeInterval(0.999))) < 0.01)
                // Nothing pending: the next flush writes nothing.
                #expect(try await store.recordLastUsed([:]) == 0)
                // An older use never moves last_used_at backwards.
                #expect(try await store.recordLastUsed([minted.key.id: now]) == 0)
            }
            let text = harness.runtime.metrics.emitToString()
            #expect(text.contains("tollgate_keys_last_used_rows_written_total 1"))
        }
    }
}
