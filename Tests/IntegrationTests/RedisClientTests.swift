import Foundation
import Testing
import TollgateRedis

/// The hiredis wrapper against a real redis-server.
// A hung dependency fails the suite instead of stalling the whole CI run.
@Suite(.timeLimit(.minutes(3))) struct RedisClientTests {
    @Test func basicCommandsAreBinarySafe() async throws {
        let server = try RedisServerProcess()
        let redis = server.client()
        let binary: [UInt8] = [0, 1, 2, 255, 13, 10, 0]
        try await redis.send("SET", "k", RedisArgument(binary))
        #expect(try await redis.send("GET", "k") == .bulk(binary))
        #expect(try await redis.send("GET", "missing") == .null)
        #expect(try await redis.send("INCRBY", "n", 41).int == 41)
        #expect(try await redis.send("PING") == .status("PONG"))
        await redis.shutdown()
    }

    @Test func pipelinesBatchesAndKeepsErrorsPerCommand() async throws {
        let server = try RedisServerProcess()
        let redis = server.client()
        let commands = (0..<1000).map { RedisCommand("RPUSH", ["list", RedisArgument($0)]) }
        let replies = try await redis.pipeline(commands)
        #expect(replies.count == 1000)
        #expect(replies.last?.int == 1000)

        let mixed = try await redis.pipeline([
            RedisCommand("SET", ["s", "v"]),
            RedisCommand("LPUSH", ["s", "x"]),  // WRONGTYPE
            RedisCommand("GET", ["s"]),
        ])
        #expect(mixed[0] == .status("OK"))
        #expect(mixed[1].errorMessage?.hasPrefix("WRONGTYPE") == true)
        #expect(mixed[2] == .bulk(Array("v".utf8)))
        await redis.shutdown()
    }

    @Test func errorRepliesThrowServerErrors() async throws {
        let server = try RedisServerProcess()
        let redis = server.client()
        try await redis.send("SET", "s", "v")
        await #expect(throws: RedisError.self) { try await redis.send("LPUSH", "s", "x") }
        let unknown = await #expect(throws: RedisError.self) { try await redis.send("NOSUCHCOMMAND") }
        #expect(unknown.map { "\($0)" }?.contains("unknown command") == true)
        // The connection stays usable after error replies.
        #expect(try await redis.send("GET", "s") == .bulk(Array("v".utf8)))
        await redis.shutdown()
    }

    @Test func streamsWithConsumerGroups() async throws {
        let server = try RedisServerProcess()
        let redis = server.client()
        try await redis.send("XGROUP", "CREATE", "events", "group", "$", "MKSTREAM")
        var ids: [String] = []
        for index in 0..<3 {
            let id = try await redis.send("XADD", "events", "*", "n", RedisArgument(index))
            ids.append(try #require(id.string))
        }
        let read = try await redis.send("XREADGROUP", "GROUP", "group", "alice", "COUNT", "10", "STREAMS", "events", ">")
        let entries = try #require(read.array?.first?.array?[1].array)
        #expect(entries.count == 3)
        #expect(entries.compactMap { $0.array?.first?.string } == ids)
        #expect(entries[2].array?[1].array?.map(\.string) == ["n", "2"])

        // Ack one; the other two stay pending for alice.
        #expect(try await redis.send("XACK", "events", "group", RedisArgument(ids[0])).int == 1)
        let pending = try await redis.send("XPENDING", "events", "group")
        #expect(pending.array?.first?.int == 2)

        // Alice "dies": bob claims her idle entries.
        let claimed = try await redis.send("XAUTOCLAIM", "events", "group", "bob", "0", "0-0", "COUNT", "10")
        let claimedEntries = try #require(claimed.array?[1].array)
        #expect(claimedEntries.compactMap { $0.array?.first?.string } == Array(ids[1...]))
        let bobPending = try await redis.send("XPENDING", "events", "group", "-", "+", "10", "bob")
        #expect(bobPending.array?.count == 2)

        // A blocking read with nothing new returns null after its block time.
        let empty = try await redis.send("XREADGROUP", "GROUP", "group", "bob", "BLOCK", "100", "STREAMS", "events", ">")
        #expect(empty == .null)
        await redis.shutdown()
    }

    @Test func evalRunsLuaScripts() async throws {
        let server = try RedisServerProcess()
        let redis = server.client()
        let script = "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCRBY', KEYS[1], ARGV[2])"
        #expect(try await redis.send("EVAL", RedisArgument(script), "1", "counter", "40", "2").int == 42)
        await #expect(throws: RedisError.self) { try await redis.send("EVAL", "return redis.call('NOPE')", "0") }
        await redis.shutdown()
    }

    @Test func publishAndSubscribe() async throws {
        let server = try RedisServerProcess()
        let redis = server.client()
        let events = redis.subscribe(to: ["news", "other"])
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .subscribed)
        #expect(try await redis.send("PUBLISH", "news", "hello").int == 1)
        #expect(try await redis.send("PUBLISH", "other", RedisArgument([0, 255])).int == 1)
        #expect(await iterator.next() == .message(channel: "news", payload: Array("hello".utf8)))
        #expect(await iterator.next() == .message(channel: "other", payload: [0, 255]))
        await redis.shutdown()
    }

    @Test func authenticationAndDatabaseIndexFromTheURL() async throws {
        let server = try RedisServerProcess()
        var url = server.url
        url.database = 5
        let inFive = RedisClient(configuration: .init(url: url), logger: .init(label: "t"))
        try await inFive.send("SET", "where", "five")
        let inZero = server.client()
        #expect(try await inZero.send("GET", "where") == .null)
        #expect(try await inFive.send("GET", "where") == .bulk(Array("five".utf8)))

        url.password = "wrong"
        let wrong = RedisClient(configuration: .init(url: url), logger: .init(label: "t"))
        let refused = await #expect(throws: RedisError.self) { try await wrong.send("PING") }
        #expect(refused.map { "\($0)" }?.contains("authentication failed") == true)
        await inFive.shutdown()
        await inZero.shutdown()
        await wrong.shutdown()
    }

    @Test func reconnectsAfterTheServerRestarts() async throws {
        let server = try RedisServerProcess()
        let redis = server.client()
        let events = redis.subscribe(to: ["chan"])
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .subscribed)
        try await redis.send("SET", "before", "1")

        server.stop()
        await #expect(throws: RedisError.self) { try await redis.send("PING") }
        // While the server is down, every command fails with an error (none hangs).
        await #expect(throws: RedisError.self) { try await redis.send("PING") }

        try server.start()
        let recovered = try await eventually { try await redis.send("PING") == .status("PONG") }
        #expect(recovered)

        // The subscription comes back by itself and announces it.
        #expect(await iterator.next() == .subscribed)
        try await redis.send("PUBLISH", "chan", "after-restart")
        #expect(await iterator.next() == .message(channel: "chan", payload: Array("after-restart".utf8)))
        await redis.shutdown()
    }

    @Test func commandsAfterShutdownAreRefused() async throws {
        let server = try RedisServerProcess()
        let redis = server.client()
        try await redis.send("PING")
        await redis.shutdown()
        await #expect(throws: RedisError.self) { try await redis.send("PING") }
    }

    @Test func concurrentCallersShareTheDedicatedThreads() async throws {
        let server = try RedisServerProcess()
        let redis = server.client(poolSize: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<50 {
                group.addTask {
                    for step in 0..<20 {
                        try await redis.send("INCR", "shared")
                        _ = step + task
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await redis.send("GET", "shared").int == 1000)
        await redis.shutdown()
    }

    /// Retries `check` for up to 10 seconds (the client backs off between reconnects).
    private func eventually(_ check: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if (try? await check()) == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
