import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// The gateway's upstream HTTP client against a live server that misbehaves on purpose:
/// answers over the limit, bodies that stall, streams, cancelled callers, a full pool.
@Suite(.timeLimit(.minutes(2))) struct UpstreamHTTPClientTests {
    static func server() -> some ApplicationProtocol {
        let router = Router()
        router.post("echo") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
        }
        router.post("big") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(repeating: 0x20, count: 4096)))
        }
        router.post("stall") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "{"))
                try await Task.sleep(for: .seconds(3))
                try await writer.finish(nil)
            })
        }
        router.post("slow") { _, _ -> Response in
            try await Task.sleep(for: .milliseconds(100))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        router.post("sse") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "data: one\n\n"))
                try await Task.sleep(for: .milliseconds(50))
                try await writer.write(ByteBuffer(string: "data: two\n\n"))
                try await writer.finish(nil)
            })
        }
        return Application(router: router)
    }

    static func client(_ port: Int, _ path: String, maximumConnections: Int = 4) throws -> UpstreamHTTPClient {
        try UpstreamHTTPClient(
            url: "http://127.0.0.1:\(port)/\(path)", group: MultiThreadedEventLoopGroup.singleton, maximumConnections: maximumConnections,
            maximumResponseBytes: 1024
        )
    }

    static func soon(_ seconds: Int64 = 10) -> NIODeadline { .now() + .seconds(seconds) }

    @Test func answersComeBackWholeOnReusedConnections() async throws {
        try await Self.server().test(.live) { live in
            let client = try Self.client(live.port!, "echo")
            defer { client.shutdown() }
            for index in 0..<50 {
                let response = try await client.post(headers: ["Content-Type": "application/json"], body: ByteBuffer(string: #"{"n":\#(index)}"#), deadline: Self.soon())
                guard case .complete(let body) = response.body else { Issue.record("expected a whole body"); return }
                #expect(response.status == .ok && String(buffer: body) == #"{"n":\#(index)}"#)
            }
        }
    }

    @Test func anAnswerOverTheLimitIsRefused() async throws {
        try await Self.server().test(.live) { live in
            let client = try Self.client(live.port!, "big")
            defer { client.shutdown() }
            await #expect(throws: UpstreamExchangeError.self) {
                _ = try await client.post(headers: [:], body: ByteBuffer(string: "{}"), deadline: Self.soon())
            }
        }
    }

    @Test func aStalledBodyEndsAtTheDeadline() async throws {
        try await Self.server().test(.live) { live in
            let client = try Self.client(live.port!, "stall")
            defer { client.shutdown() }
            let started = ContinuousClock.now
            do {
                _ = try await client.post(headers: [:], body: ByteBuffer(string: "{}"), deadline: .now() + .milliseconds(300))
                Issue.record("a stalled answer was accepted")
            } catch UpstreamExchangeError.timedOut {
                #expect(ContinuousClock.now - started < .seconds(2))
            }
        }
    }

    @Test func aCancelledCallerClosesTheExchange() async throws {
        try await Self.server().test(.live) { live in
            let client = try Self.client(live.port!, "stall")
            defer { client.shutdown() }
            let call = Task { try await client.post(headers: [:], body: ByteBuffer(string: "{}"), deadline: Self.soon(60)) }
            try await Task.sleep(for: .milliseconds(200))
            call.cancel()
            await #expect(throws: UpstreamExchangeError.cancelled) { _ = try await call.value }
        }
    }

    @Test func eventStreamsArriveAsChunks() async throws {
        try await Self.server().test(.live) { live in
            let client = try Self.client(live.port!, "sse")
            defer { client.shutdown() }
            let response = try await client.post(headers: [:], body: ByteBuffer(string: "{}"), deadline: Self.soon())
            guard case .stream(let chunks) = response.body else { Issue.record("expected a stream"); return }
            var text = ""
            for try await chunk in chunks { text += String(buffer: chunk) }
            #expect(text == "data: one\n\ndata: two\n\n")
        }
    }

    @Test func aFullPoolQueuesCallersInsteadOfOpeningMore() async throws {
        try await Self.server().test(.live) { live in
            let client = try Self.client(live.port!, "slow", maximumConnections: 2)
            defer { client.shutdown() }
            try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
                for _ in 0..<12 {
                    group.addTask { try await client.post(headers: [:], body: ByteBuffer(string: "{}"), deadline: Self.soon()).status }
                }
                var statuses: [HTTPResponseStatus] = []
                for try await status in group { statuses.append(status) }
                #expect(statuses == Array(repeating: .ok, count: 12))
            }
            #expect(client.openConnections <= 2)
        }
    }

    @Test func aQueuedCallerGivesUpAtItsDeadline() async throws {
        try await Self.server().test(.live) { live in
            let client = try Self.client(live.port!, "stall", maximumConnections: 1)
            defer { client.shutdown() }
            // The only connection is held by a call that stalls; the next caller waits in the
            // queue and must give up at its own deadline, not when the first call ends.
            let holder = Task { try? await client.post(headers: [:], body: ByteBuffer(string: "{}"), deadline: Self.soon(60)) }
            try await Task.sleep(for: .milliseconds(200))
            let started = ContinuousClock.now
            await #expect(throws: UpstreamExchangeError.timedOut) {
                _ = try await client.post(headers: [:], body: ByteBuffer(string: "{}"), deadline: .now() + .milliseconds(300))
            }
            #expect(ContinuousClock.now - started < .seconds(2))
            holder.cancel()
        }
    }
}
