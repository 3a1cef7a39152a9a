import Logging
import MCPCore
import ServiceLifecycle
import Synchronization
import TollgateRedis

/// Carries a client's answers to the replica whose call waits for them, whichever replica
/// the client reached: a 2025 client's POSTed response to a relayed request, a 2026-07-28
/// client's retry of a bridged call. Each replica has a random id, named in the ids and
/// states it hands out, and a Redis channel on which the others reach it.
final class InteractionRelay: Service, Sendable {
    static let channelPrefix = "tollgate:mcp:relay:"

    /// A request in flight to a client, or a forwarded retry waiting for its outcome.
    private struct Waiter {
        /// The session whose client may answer (2025), or nil for a replica's reply.
        var session: String?
        var continuation: CheckedContinuation<UpstreamAnswer, Never>
    }

    let replica: String
    let settings: Settings
    private let redis: RedisClient
    private let logger: Logger
    private let waiters = Mutex<[String: Waiter]>([:])
    private let parked = Mutex<[String: BridgedCall]>([:])

    /// Bounds of the interactive exchanges.
    struct Settings: Sendable {
        /// How long a client has to answer one question.
        var answerTimeout: Duration = .seconds(300)
        /// Questions a bridged call may ask before it is refused further ones.
        var maximumRounds = 10
        /// Bridged calls one replica keeps waiting for their clients at once.
        var maximumParked = 10_000
    }

    init(redis: RedisClient, settings: Settings = Settings(), logger: Logger) {
        self.redis = redis
        self.settings = settings
        self.logger = logger
        var generator = SystemRandomNumberGenerator()
        self.replica = String(generator.next() as UInt64, radix: 16).leftPadded(to: 16)
    }

    /// A fresh id naming this replica: `tg-<replica>-<128 random bits>`.
    func newID() -> String {
        "tg-\(replica)-\(Self.randomHex())"
    }

    static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
    }

    /// The replica an id or state names, when it is well formed.
    static func replica(of id: String) -> String? {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "tg", parts[1].utf8.count == 16, parts[2].utf8.count == 32 else { return nil }
        return String(parts[1])
    }

    // MARK: answers of 2025 clients

    /// Sends a request to a session's client (`send` writes it with the id it is given) and
    /// waits for the answer, at most `answerTimeout`; cancelled with the calling task.
    func ask(session: String, send: @escaping @Sendable (String) async -> Void) async -> UpstreamAnswer {
        let id = newID()
        return await wait(id: id, session: session, timeout: settings.answerTimeout) { await send(id) }
    }

    /// A client's answer (a POSTed JSON-RPC response) to request `id`, from `session`.
    /// Handled here, or published to the replica that asked.
    func deliver(id: String, session: String, answer: UpstreamAnswer) async {
        guard let owner = Self.replica(of: id) else { return }
        if owner == replica {
            complete(id, session: session, with: answer)
            return
        }
        await publish(to: owner, ["op": "answer", "id": .string(id), "session": .string(session), "answer": Self.encode(answer)])
    }

    /// Registers a waiter, runs `start`, and waits for its answer or the timeout.
    func wait(id: String, session: String?, timeout: Duration, start: @escaping @Sendable () async -> Void) async -> UpstreamAnswer {
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.complete(id, session: session, with: .error(JSONRPCError(code: JSONRPCErrorCode.requestTimeout, message: "the client did not answer within \(timeout)")))
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters.withLock { $0[id] = Waiter(session: session, continuation: continuation) }
                Task { await start() }
            }
        } onCancel: {
            self.complete(id, session: session, with: .error(JSONRPCError(code: JSONRPCErrorCode.cancelled, message: "request cancelled")))
        }
    }

    /// Resumes the waiter of `id` once; an answer from another session finds nothing.
    private func complete(_ id: String, session: String?, with answer: UpstreamAnswer) {
        let waiter = waiters.withLock { waiters -> Waiter? in
            guard let waiter = waiters[id], waiter.session == session else { return nil }
            return waiters.removeValue(forKey: id)
        }
        waiter?.continuation.resume(returning: answer)
    }

    // MARK: bridged calls of 2026-07-28 clients

    /// Keeps `call` until its client's retry; false when this replica holds too many already.
    func park(_ call: BridgedCall) -> Bool {
        parked.withLock { parked in
            guard parked[call.id] != nil || parked.count < settings.maximumParked else { return false }
            parked[call.id] = call
            return true
        }
    }

    /// Bridged calls this replica holds for their clients now.
    var parkedCount: Int { parked.withLock { $0.count } }

    func unpark(_ id: String) {
        _ = parked.withLock { $0.removeValue(forKey: id) }
    }

    /// Continues a bridged call with the client's retry, here or on the replica that holds it.
    func resume(_ state: BridgeState, subject: String, tool: String, rawResponses: String?, progress: ProgressReporter?) async -> UpstreamAnswer {
        if state.replica == replica {
            return await resumeLocally(state, subject: subject, tool: tool, rawResponses: rawResponses, progress: progress)
        }
        // Held by another replica: it continues the call and publishes the outcome back.
        let ticket = newID()
        var members: [(String, JSONValue)] = [
            ("op", "resume"), ("state", .string(state.text)), ("subject", .string(subject)), ("tool", .string(tool)), ("ticket", .string(ticket)),
        ]
        if let rawResponses, let responses = try? JSONParser.parse(rawResponses) { members.append(("responses", responses)) }
        let message = JSONValue.object(members)
        return await wait(id: ticket, session: nil, timeout: settings.answerTimeout) {
            await self.publish(to: state.replica, message)
        }
    }

    private func resumeLocally(_ state: BridgeState, subject: String, tool: String, rawResponses: String?, progress: ProgressReporter?) async -> UpstreamAnswer {
        guard let call = parked.withLock({ $0[state.call] }), call.subject == subject, call.tool == tool else {
            return .error(.invalidParams("requestState is unknown or has expired; call the tool again"))
        }
        return await call.resume(round: state.round, rawResponses: rawResponses, progress: progress)
    }

    // MARK: Redis

    private func publish(to replica: String, _ message: JSONValue) async {
        do {
            _ = try await redis.send("PUBLISH", RedisArgument(Self.channelPrefix + replica), RedisArgument(message.jsonString))
        } catch {
            logger.warning("could not reach another replica for an interactive call", metadata: ["replica": "\(replica)", "error": "\(error)"])
        }
    }

    static func encode(_ answer: UpstreamAnswer) -> JSONValue {
        switch answer {
        case .result(let raw): ["result": (try? JSONParser.parse(raw)) ?? .object([])]
        case .error(let error): ["error": ["code": .int(error.code), "message": .string(error.message), "data": error.data ?? .null]]
        }
    }

    static func decode(_ value: JSONValue?) -> UpstreamAnswer? {
        if let result = value?["result"] { return .result(result.jsonString) }
        guard let error = value?["error"], let code = error["code"]?.intValue, let message = error["message"]?.stringValue else { return nil }
        let data = error["data"].flatMap { $0 == .null ? nil : $0 }
        return .error(JSONRPCError(code: code, message: message, data: data))
    }

    private func handle(_ payload: [UInt8]) async {
        guard let message = try? JSONParser.parse(payload), let op = message["op"]?.stringValue else { return }
        switch op {
        case "answer":
            guard let id = message["id"]?.stringValue, let session = message["session"]?.stringValue, let answer = Self.decode(message["answer"]) else { return }
            complete(id, session: session, with: answer)
        case "outcome":
            guard let ticket = message["ticket"]?.stringValue, let answer = Self.decode(message["answer"]) else { return }
            complete(ticket, session: nil, with: answer)
        case "resume":
            guard let text = message["state"]?.stringValue, let state = BridgeState(text), let subject = message["subject"]?.stringValue,
                let tool = message["tool"]?.stringValue, let ticket = message["ticket"]?.stringValue, let asker = Self.replica(of: ticket)
            else { return }
            // Not awaited in the subscription loop: the call may take its time.
            Task {
                let answer = await self.resumeLocally(state, subject: subject, tool: tool, rawResponses: message["responses"]?.jsonString, progress: nil)
                await self.publish(to: asker, ["op": "outcome", "ticket": .string(ticket), "answer": Self.encode(answer)])
            }
        default:
            return
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await event in self.redis.subscribe(to: [Self.channelPrefix + self.replica]) {
                if case .message(_, let payload) = event { await self.handle(payload) }
            }
        }
        let calls = parked.withLock { parked in
            defer { parked.removeAll() }
            return Array(parked.values)
        }
        for call in calls { call.cancel() }
    }
}
