import Crypto
import Foundation
import Logging
import ServiceLifecycle
import SharedProto
import Synchronization
import TollgateRedis

/// The gateway-side cache of key validations.
///
/// - Validated keys are cached by the SHA-256 of the presented key (the key itself is never
///   stored) for `ttl`; refusals for `negativeTTL`, so a wrong key cannot make every request
///   cost a bcrypt verification.
/// - Concurrent validations of the same key share one call to the keys service.
/// - A revocation message on `RedisNames.keyRevokedChannel` drops that key's entries at once;
///   when the subscription (re)connects the whole cache is dropped, since messages sent
///   while disconnected are lost.
/// - Malformed and oversized keys are refused locally, without a call.
public final class KeyValidationCache: Service, Sendable {
    public struct Configuration: Sendable {
        public var ttl: Duration
        public var negativeTTL: Duration
        public var maximumEntries: Int

        public init(ttl: Duration = .seconds(60), negativeTTL: Duration = .seconds(5), maximumEntries: Int = 10_000) {
            self.ttl = ttl
            self.negativeTTL = negativeTTL
            self.maximumEntries = max(1, maximumEntries)
        }
    }

    /// Counts since start, for metrics and benchmarks.
    public struct Statistics: Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        public var coalesced = 0
        public var localRejections = 0
        public var invalidations = 0
    }

    private struct Entry {
        var response: KeyValidationResponse
        var validUntil: ContinuousClock.Instant
    }

    private struct Flight {
        var task: Task<KeyValidationResponse, any Error>
        var keyID: String
    }

    private struct State {
        var entries: [SHA256Digest: Entry] = [:]
        var digestsByKeyID: [String: Set<SHA256Digest>] = [:]
        var inFlight: [SHA256Digest: Flight] = [:]
        /// In-flight validations overtaken by a revocation of their key: their answer is
        /// returned to the callers waiting for it but not cached, so a revoked key cannot
        /// come back into the cache.
        var stale: Set<SHA256Digest> = []
        var statistics = Statistics()
        var listening = false
    }

    private let client: KeysClient
    private let redis: RedisClient?
    private let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(State())

    /// - Parameter redis: where revocations are announced; `nil` relies on the TTL alone.
    public init(client: KeysClient, redis: RedisClient?, configuration: Configuration = .init(), logger: Logger) {
        self.client = client
        self.redis = redis
        self.configuration = configuration
        self.logger = logger
    }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Whether revocation messages are being received (the subscription is up).
    public var isListening: Bool { state.withLock { $0.listening } }

    /// Listens for revocations until shutdown.
    public func run() async throws {
        guard let redis else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            for await event in redis.subscribe(to: [RedisNames.keyRevokedChannel]) {
                switch event {
                case .subscribed:
                    self.removeAll()
                    self.state.withLock { $0.listening = true }
                case .message(_, let payload):
                    self.invalidate(keyID: String(decoding: payload, as: UTF8.self))
                }
            }
        }
    }

    /// Validates a presented key, from the cache when possible.
    public func validate(_ presented: String) async throws -> KeyValidationResponse {
        guard presented.utf8.count <= APIKeyFormat.maximumPresentedLength, let keyID = APIKeyFormat.parse(presented)?.id else {
            state.withLock { $0.statistics.localRejections += 1 }
            return KeyValidationResponse(rejected: .malformed)
        }
        let digest = SHA256.hash(data: Data(presented.utf8))
        let now = ContinuousClock.now
        enum Lookup {
            case cached(KeyValidationResponse)
            case wait(Task<KeyValidationResponse, any Error>)
            case fetch(Task<KeyValidationResponse, any Error>)
        }
        let lookup: Lookup = state.withLock { state in
            if let entry = state.entries[digest], entry.validUntil > now {
                state.statistics.hits += 1
                return .cached(entry.response)
            }
            if let flight = state.inFlight[digest] {
                state.statistics.coalesced += 1
                return .wait(flight.task)
            }
            state.statistics.misses += 1
            let client = self.client
            let task = Task { try await client.validate(presented) }
            state.inFlight[digest] = Flight(task: task, keyID: keyID)
            return .fetch(task)
        }
        switch lookup {
        case .cached(let response):
            return Self.checkExpiry(response)
        case .wait(let task):
            return Self.checkExpiry(try await task.value)
        case .fetch(let task):
            let result = await task.result
            state.withLock { state in
                state.inFlight[digest] = nil
                let overtaken = state.stale.remove(digest) != nil
                if case .success(let response) = result, !overtaken {
                    store(response, for: digest, in: &state)
                }
            }
            return Self.checkExpiry(try result.get())
        }
    }

    /// Drops every cached validation of a key.
    public func invalidate(keyID: String) {
        state.withLock { state in
            state.statistics.invalidations += 1
            for digest in state.digestsByKeyID.removeValue(forKey: keyID) ?? [] {
                state.entries[digest] = nil
            }
            for (digest, flight) in state.inFlight where flight.keyID == keyID {
                state.stale.insert(digest)
            }
        }
        logger.debug("key invalidated", metadata: ["key_id": "\(keyID)"])
    }

    /// Drops everything.
    public func removeAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.digestsByKeyID.removeAll()
            state.stale.formUnion(state.inFlight.keys)
        }
    }

    private func store(_ response: KeyValidationResponse, for digest: SHA256Digest, in state: inout State) {
        if state.entries.count >= configuration.maximumEntries {
            let now = ContinuousClock.now
            state.entries = state.entries.filter { $0.value.validUntil > now }
            // Still full of live entries: drop an arbitrary tenth rather than grow without bound.
            if state.entries.count >= configuration.maximumEntries {
                for key in state.entries.keys.prefix(max(1, configuration.maximumEntries / 10)) {
                    state.entries[key] = nil
                }
            }
            state.digestsByKeyID = state.digestsByKeyID.compactMapValues { digests in
                let live = digests.filter { state.entries[$0] != nil }
                return live.isEmpty ? nil : live
            }
        }
        let ttl = response.valid ? configuration.ttl : configuration.negativeTTL
        state.entries[digest] = Entry(response: response, validUntil: .now + ttl)
        if let id = response.identity?.id {
            state.digestsByKeyID[id, default: []].insert(digest)
        }
    }

    /// A cached identity whose key has expired since is refused.
    private static func checkExpiry(_ response: KeyValidationResponse) -> KeyValidationResponse {
        if let expiresAt = response.identity?.expiresAt, expiresAt <= Date() {
            return KeyValidationResponse(rejected: .expired)
        }
        return response
    }
}
