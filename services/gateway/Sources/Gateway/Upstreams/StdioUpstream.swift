import Logging
import MCPCore
import Subprocess
import Synchronization

/// An upstream run as a supervised subprocess speaking newline-delimited JSON-RPC on
/// stdin/stdout (swift-subprocess). It is started on first use, initialized with the
/// 2025-11-25 handshake, and restarted with exponential backoff (0.5 s to 30 s) whenever it
/// exits; requests in flight when it dies fail with `UpstreamFailure`.
final class StdioUpstream: UpstreamConnection {
    private struct Pending {
        var continuation: CheckedContinuation<UpstreamAnswer, any Error>
        var onNotification: @Sendable (String, String) async -> Void
        /// Present for a caller's request that may be asked for input (a tool call).
        var onRequest: ServerRequestHandler?
    }

    private struct State {
        /// Lines to write to the current process; `nil` while none runs.
        var outbox: AsyncStream<String>.Continuation?
        var generation = 0
        var ready = false
        var pending: [Int: Pending] = [:]
        /// Requests that arrived while the process was starting.
        var waitingForReady: [CheckedContinuation<Void, any Error>] = []
        var supervisor: Task<Void, Never>?
        var stopped = false
        var lastError: String?
    }

    private let name: String
    private let command: String
    private let arguments: [String]
    private let environment: [String: String]
    private let timeout: Duration
    private let logger: Logger
    private let state = Mutex(State())
    private let nextID = Atomic<Int>(1)
    static let maximumLineBytes = 64 * 1024 * 1024

    init(name: String, command: String, arguments: [String], environment: [String: String], timeout: Duration, logger: Logger) {
        self.name = name
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.timeout = timeout
        self.logger = logger
    }

    /// Stdio upstreams are spoken to in the 2025-11-25 handshake revision.
    var protocolVersion: String? { state.withLock { $0.ready } ? "2025-11-25" : nil }

    func close() async {
        let supervisor = state.withLock { state in
            state.stopped = true
            state.outbox?.finish()
            return state.supervisor
        }
        supervisor?.cancel()
        await supervisor?.value
    }

    func request(
        _ request: UpstreamRequest, onNotification: @escaping @Sendable (String, String) async -> Void, onRequest: ServerRequestHandler?
    ) async throws -> UpstreamAnswer {
        try await withTimeout(timeout) {
            try await self.waitUntilReady()
            return try await self.send(method: request.method, params: request.paramsJSON(), onNotification: onNotification, onRequest: onRequest)
        }
    }

    private func send(
        method: String, params: String, onNotification: @escaping @Sendable (String, String) async -> Void, onRequest: ServerRequestHandler? = nil
    ) async throws -> UpstreamAnswer {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        // Compact: a client's arguments may hold newlines between tokens, and on a
        // newline-delimited stream those would end this message and start another.
        let line = #"{"jsonrpc":"2.0","id":\#(id),"method":\#(JSONValue.string(method).jsonString),"params":\#(JSONCompactor.compact(params))}"#
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let outbox: AsyncStream<String>.Continuation? = state.withLock { state in
                    guard let outbox = state.outbox else { return nil }
                    state.pending[id] = Pending(continuation: continuation, onNotification: onNotification, onRequest: onRequest)
                    return outbox
                }
                guard let outbox else {
                    continuation.resume(throwing: UpstreamFailure(description: "upstream \(name) is not running"))
                    return
                }
                outbox.yield(line)
            }
        } onCancel: {
            let (pending, outbox) = state.withLock { ($0.pending.removeValue(forKey: id), $0.outbox) }
            outbox?.yield(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":\#(id),"reason":"cancelled by the client"}}"#)
            pending?.continuation.resume(throwing: CancellationError())
        }
    }

    private func waitUntilReady() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let action: () -> Void = state.withLock { state in
                if state.stopped { return { continuation.resume(throwing: UpstreamFailure(description: "upstream \(self.name) is stopped")) } }
                if state.ready { return { continuation.resume() } }
                if let error = state.lastError, state.supervisor != nil, state.outbox == nil {
                    return { continuation.resume(throwing: UpstreamFailure(description: "upstream \(self.name) is restarting: \(error)")) }
                }
                state.waitingForReady.append(continuation)
                if state.supervisor == nil {
                    state.supervisor = Task { await self.supervise() }
                }
                return {}
            }
            action()
        }
    }

    /// Runs the process, restarting it with backoff until `close()`.
    private func supervise() async {
        var backoff = Duration.milliseconds(500)
        while !Task.isCancelled, !state.withLock({ $0.stopped }) {
            let started = ContinuousClock.now
            do {
                try await runOnce()
                failAll(reason: "process exited")
            } catch {
                failAll(reason: "\(error)")
            }
            if ContinuousClock.now - started > .seconds(60) { backoff = .milliseconds(500) }
            logger.warning("stdio upstream exited; restarting", metadata: ["upstream": "\(name)", "backoff": "\(backoff)"])
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(30))
        }
    }

    private func runOnce() async throws {
        let (outbox, outboxContinuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(10_000))
        state.withLock { state in
            state.outbox = outboxContinuation
            state.generation += 1
            state.ready = false
        }
        var overrides: [Environment.Key: String?] = [:]
        for (key, value) in environment { overrides[Environment.Key(stringLiteral: key)] = value }
        let executable: Executable = command.contains("/") ? .path(.init(command)) : .name(command)
        _ = try await run(
            executable, arguments: Arguments(arguments), environment: .inherit.updating(overrides),
            input: .inputWriter, output: .sequence, error: .discarded
        ) { execution in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await line in execution.standardOutput.strings(bufferingPolicy: .maxLineLength(Self.maximumLineBytes)) {
                        await self.handle(line)
                    }
                }
                group.addTask {
                    for await line in outbox {
                        _ = try await execution.standardInputWriter.write(line + "\n")
                    }
                    try await execution.standardInputWriter.finish()
                }
                group.addTask { try await self.handshake() }
                // The process ended (stdout closed) or the connection was closed.
                _ = try await group.next()
                _ = try await group.next()
                group.cancelAll()
            }
        }
    }

    private func handshake() async throws {
        let params = #"{"protocolVersion":"2025-11-25","capabilities":\#(HTTPUpstream.relayedCapabilities),"clientInfo":{"name":"tollgate","version":"0.1.0"}}"#
        let answer = try await send(method: "initialize", params: params) { _, _ in }
        if case .error(let error) = answer {
            throw UpstreamFailure(description: "upstream \(name) refused initialize: \(error.message)")
        }
        let waiting = state.withLock { state in
            state.outbox?.yield(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            state.ready = true
            state.lastError = nil
            defer { state.waitingForReady.removeAll() }
            return state.waitingForReady
        }
        logger.info("stdio upstream started", metadata: ["upstream": "\(name)"])
        for continuation in waiting { continuation.resume() }
        // Keep the group alive until the process ends.
        try await Task.sleep(for: .seconds(365 * 24 * 3600))
    }

    private func handle(_ line: String) async {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, let message = try? UpstreamMessage(Array(trimmed.utf8)) else { return }
        if let method = message.method, let id = message.id {
            answer(UpstreamServerRequest(method: method, rawParams: message.rawParams ?? "{}"), id: id)
            return
        }
        if let method = message.method {
            // Notifications go to every waiting request; progress carries the caller's token.
            let handlers = state.withLock { $0.pending.values.map(\.onNotification) }
            for handler in handlers { await handler(method, trimmed) }
            return
        }
        guard case .number(let text)? = message.id, let id = Int(text) else { return }
        let pending = state.withLock { $0.pending.removeValue(forKey: id) }
        if let error = message.error {
            pending?.continuation.resume(returning: .error(error))
        } else {
            pending?.continuation.resume(returning: .result(message.rawResult ?? "{}"))
        }
    }

    /// Answers a request the upstream sent. A line on stdio names no call it belongs to, so it
    /// goes to the calling client only when exactly one call that may ask is in flight; with
    /// several it is refused: guessing could show one caller's question to another.
    private func answer(_ request: UpstreamServerRequest, id: JSONRPCID) {
        let handlers = state.withLock { $0.pending.values.compactMap(\.onRequest) }
        let handler: ServerRequestHandler = handlers.count == 1 ? handlers[0] : { @Sendable request in .refused(request.method) }
        // Not awaited here: the client may take a while, and stdout must keep being read.
        Task {
            let response = await handler(request).response(to: id)
            self.state.withLock { $0.outbox }?.yield(response)
        }
    }

    private func failAll(reason: String) {
        let (pending, waiting) = state.withLock { state in
            state.outbox?.finish()
            state.outbox = nil
            state.ready = false
            state.lastError = reason
            defer {
                state.pending.removeAll()
                state.waitingForReady.removeAll()
            }
            return (Array(state.pending.values), state.waitingForReady)
        }
        let failure = UpstreamFailure(description: "upstream \(name) stopped: \(reason)")
        for request in pending { request.continuation.resume(throwing: failure) }
        for continuation in waiting { continuation.resume(throwing: failure) }
    }
}
