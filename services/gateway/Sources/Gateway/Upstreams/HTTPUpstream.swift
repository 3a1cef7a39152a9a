import Foundation
import Logging
import MCPCore
import NIOCore
import NIOHTTP1
import SharedProto
import Synchronization

/// An upstream reached over Streamable HTTP (`UpstreamHTTPClient`: pooled keep-alive connections).
///
/// The first request probes with `server/discover`: an upstream that offers 2026-07-28 is
/// spoken to in that revision, statelessly (every request carries its version in `_meta`
/// and the `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers). Otherwise the
/// 2025-11-25 handshake: the upstream's session id is kept and a new session started once
/// when the upstream forgets it (404); an upstream that gives no session id is called
/// without initializing again. A request that fails because the upstream had already closed
/// the pooled connection is sent once more on a new one. Answers may be JSON or SSE; SSE
/// notifications are forwarded as they arrive.
final class HTTPUpstream: UpstreamConnection {
    /// What is known about the upstream's protocol and session.
    private enum Session: Equatable {
        case unknown
        /// 2026-07-28: no session, the revision in every request.
        case modern
        /// 2025-11-25, initialized; the upstream gave no session id.
        case stateless
        /// 2025-11-25 with the upstream's session id.
        case active(String)

        var id: String? { if case .active(let id) = self { id } else { nil } }
    }

    static let modernVersion = "2026-07-28"
    static let handshakeVersion = "2025-11-25"

    private let name: String
    private let headers: [(String, String)]
    private let timeout: Duration
    private let http: UpstreamHTTPClient
    private let logger: Logger
    private let session = Mutex<Session>(.unknown)
    private let nextID = Atomic<Int>(1)
    static let maximumResponseBytes = 64 * 1024 * 1024
    /// The `_meta` members every 2026-07-28 request carries; the client's capabilities are
    /// the caller's (so the upstream may ask it for input), the gateway's own `{}` otherwise.
    private static func modernMeta(capabilities: String? = nil) -> [String] {
        [
            #""io.modelcontextprotocol/protocolVersion":"\#(modernVersion)""#,
            #""io.modelcontextprotocol/clientCapabilities":\#(capabilities ?? "{}")"#,
            #""io.modelcontextprotocol/clientInfo":{"name":"tollgate","version":"\#(TollgateVersion.current)"}"#,
        ]
    }

    /// What the gateway declares in a 2025 `initialize`: the requests it can put to a calling
    /// client (each is refused when the caller at hand cannot take it).
    static let relayedCapabilities = #"{"elicitation":{"form":{},"url":{}},"sampling":{},"roots":{}}"#

    init(name: String, headers: [(String, String)], timeout: Duration, http: UpstreamHTTPClient, logger: Logger) {
        self.name = name
        self.headers = headers
        self.timeout = timeout
        self.http = http
        self.logger = logger
    }

    var protocolVersion: String? {
        switch session.withLock({ $0 }) {
        case .unknown: nil
        case .modern: Self.modernVersion
        case .stateless, .active: Self.handshakeVersion
        }
    }

    func close() async {
        http.shutdown()
    }

    func request(
        _ request: UpstreamRequest, onNotification: @escaping @Sendable (String, String) async -> Void, onRequest: ServerRequestHandler?
    ) async throws -> UpstreamAnswer {
        let deadline = NIODeadline.now() + .nanoseconds(timeout.nanoseconds)
        let current = try await ensureSession(deadline: deadline)
        let handlers = Handlers(onNotification: onNotification, onRequest: onRequest)
        do {
            return try await send(request, session: current, deadline: deadline, handlers: handlers)
        } catch is SessionExpired {
            // The upstream restarted, expired the session or stopped speaking the revision:
            // find out again, once.
            session.withLock { if $0 == current { $0 = .unknown } }
            let renewed = try await ensureSession(deadline: deadline)
            return try await send(request, session: renewed, deadline: deadline, handlers: handlers)
        }
    }

    /// Where the messages an upstream sends while answering go.
    private struct Handlers: Sendable {
        var onNotification: @Sendable (String, String) async -> Void
        var onRequest: ServerRequestHandler?

        static let none = Handlers(onNotification: { _, _ in }, onRequest: nil)
    }

    private struct SessionExpired: Error {}

    private func ensureSession(deadline: NIODeadline) async throws -> Session {
        let known = session.withLock { $0 }
        guard known == .unknown else { return known }
        if try await offersModernRevision(deadline: deadline) {
            session.withLock { $0 = .modern }
            logger.debug("upstream speaks 2026-07-28", metadata: ["upstream": "\(name)"])
            return .modern
        }
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let params = #"{"protocolVersion":"\#(Self.handshakeVersion)","capabilities":\#(Self.relayedCapabilities),"clientInfo":{"name":"tollgate","version":"\#(TollgateVersion.current)"}}"#
        let body = #"{"jsonrpc":"2.0","id":\#(id),"method":"initialize","params":\#(params)}"#
        let (answer, sessionID) = try await post(
            body: body, headers: [], expectedID: .number(String(id)), sessionID: nil, deadline: deadline, handlers: .none
        )
        if case .error(let error) = answer {
            throw UpstreamFailure(description: "upstream \(name) refused initialize: \(error.message)")
        }
        _ = try await post(
            body: #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, headers: [], expectedID: nil, sessionID: sessionID,
            deadline: deadline, handlers: .none
        )
        // Stateless upstreams answer without a session id: remembered, so they are not
        // initialized again before every call.
        let established = sessionID.map(Session.active) ?? .stateless
        session.withLock { $0 = established }
        return established
    }

    /// Asks `server/discover`; true when the upstream lists 2026-07-28. A 2025 server answers
    /// with an error or an HTTP 4xx (it wants `initialize` first): false. Unreachable: throws.
    private func offersModernRevision(deadline: NIODeadline) async throws -> Bool {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let probe = UpstreamRequest(method: "server/discover")
        let body = #"{"jsonrpc":"2.0","id":\#(id),"method":"server/discover","params":\#(probe.paramsJSON(meta: Self.modernMeta()))}"#
        let answer: UpstreamAnswer
        do {
            (answer, _) = try await post(
                body: body, headers: modernHeaders(for: probe), expectedID: .number(String(id)), sessionID: nil, deadline: deadline,
                handlers: .none
            )
        } catch let failure as UpstreamFailure where failure.status != nil {
            return false
        }
        guard case .result(let raw) = answer, let result = try? JSONParser.parse(raw), let versions = result["supportedVersions"]?.arrayValue else {
            return false
        }
        return versions.contains(.string(Self.modernVersion))
    }

    private func modernHeaders(for request: UpstreamRequest) -> [(String, String)] {
        var headers = [("MCP-Protocol-Version", Self.modernVersion), ("Mcp-Method", request.method)]
        if let name = request.name { headers.append(("Mcp-Name", MCPHeaderValue.encode(name))) }
        return headers
    }

    private func send(
        _ request: UpstreamRequest, session: Session, deadline: NIODeadline, handlers: Handlers
    ) async throws -> UpstreamAnswer {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let modern = session == .modern
        let params = modern ? request.paramsJSON(meta: Self.modernMeta(capabilities: request.clientCapabilities)) : request.paramsJSON()
        let body = #"{"jsonrpc":"2.0","id":\#(id),"method":\#(JSONValue.string(request.method).jsonString),"params":\#(params)}"#
        do {
            return try await post(
                body: body, headers: (modern ? modernHeaders(for: request) : []) + (request.trace.map { [("traceparent", $0.header)] } ?? []),
                expectedID: .number(String(id)), sessionID: session.id,
                deadline: deadline, handlers: handlers
            ).0
        } catch let failure as UpstreamFailure where modern && (failure.status == 400 || failure.status == 404) {
            // The upstream no longer takes 2026-07-28 (replaced by an older server): probe
            // again next time; list requests, which change nothing, are retried at once.
            self.session.withLock { if $0 == .modern { $0 = .unknown } }
            if request.method.hasSuffix("/list") { throw SessionExpired() }
            throw failure
        } catch is CancellationError {
            // 2026-07-28: the closed connection is the signal. A 2025 session is told.
            if let sessionID = session.id {
                let cancel = #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":\#(id),"reason":"cancelled by the client"}}"#
                let deadline = NIODeadline.now() + .seconds(5)
                Task { _ = try? await self.post(body: cancel, headers: [], expectedID: nil, sessionID: sessionID, deadline: deadline, handlers: .none) }
            }
            throw CancellationError()
        }
    }

    /// POSTs one message and reads the answer (JSON or SSE) until the response to `expectedID`.
    private func post(
        body: String, headers extra: [(String, String)], expectedID: JSONRPCID?, sessionID: String?, deadline: NIODeadline,
        handlers: Handlers
    ) async throws -> (UpstreamAnswer, String?) {
        var requestHeaders = HTTPHeaders()
        requestHeaders.reserveCapacity(4 + headers.count + extra.count)
        requestHeaders.add(name: "Content-Type", value: "application/json")
        requestHeaders.add(name: "Accept", value: "application/json, text/event-stream")
        for (header, value) in headers { requestHeaders.add(name: header, value: value) }
        for (header, value) in extra { requestHeaders.add(name: header, value: value) }
        if let sessionID {
            requestHeaders.add(name: "Mcp-Session-Id", value: sessionID)
            requestHeaders.add(name: "MCP-Protocol-Version", value: Self.handshakeVersion)
        }

        let response = try await execute(headers: requestHeaders, body: ByteBuffer(string: body), deadline: deadline)
        let returnedSession = response.headers.first(name: "Mcp-Session-Id") ?? sessionID
        if response.status == .notFound, sessionID != nil {
            throw SessionExpired()
        }
        guard let expectedID else {
            // A notification: 202 expected; nothing to read.
            return (.result("{}"), returnedSession)
        }
        guard (200..<300).contains(response.status.code) else {
            let text = try await Self.text(of: response.body, upTo: 64 * 1024)
            // An error that answers this request is the upstream's answer. One without its id
            // on a 400 or 404 is a refusal of the transport (no session, an unknown revision).
            if let message = try? UpstreamMessage(Array(text.utf8)), let error = message.error,
                message.id == expectedID || (response.status != .badRequest && response.status != .notFound)
            {
                return (.error(error), returnedSession)
            }
            throw UpstreamFailure(description: "upstream \(name) answered HTTP \(response.status.code)", status: Int(response.status.code))
        }
        switch response.body {
        case .stream(let chunks):
            // The exchange's deadline covers the whole stream (the handler's timer).
            do {
                let answers = ServerRequestAnswerer(handler: handlers.onRequest ?? { .refused($0.method) }) { [self] response in
                    // The answer to an upstream's request is a POST of its own in the session.
                    _ = try? await self.post(body: response, headers: [], expectedID: nil, sessionID: returnedSession, deadline: deadline, handlers: .none)
                }
                return (
                    try await Self.readEvents(chunks, expectedID: expectedID, upstream: name, onNotification: handlers.onNotification, answers: answers),
                    returnedSession
                )
            } catch let error as UpstreamExchangeError {
                throw failure(error)
            }
        case .complete(let collected):
            let message: UpstreamMessage
            do {
                message = try UpstreamMessage(Array(buffer: collected))
            } catch {
                throw UpstreamFailure(description: "upstream \(name) sent invalid JSON")
            }
            return (Self.answer(message), returnedSession)
        }
    }

    /// The start of a body as text (for error answers).
    private static func text(of body: UpstreamHTTPResponse.Body, upTo limit: Int) async throws -> String {
        switch body {
        case .complete(let buffer):
            return String(buffer: buffer.getSlice(at: buffer.readerIndex, length: min(limit, buffer.readableBytes)) ?? buffer)
        case .stream(let chunks):
            var collected = ByteBuffer()
            for try await chunk in chunks where collected.readableBytes < limit { collected.writeImmutableBuffer(chunk) }
            return String(buffer: collected)
        }
    }

    /// Answers the requests an upstream sends on an answer's stream, and sends the answers.
    private struct ServerRequestAnswerer {
        var handler: ServerRequestHandler
        var send: @Sendable (String) async -> Void
    }

    /// Reads an SSE answer: notifications are handed on, requests answered (refused when
    /// nobody can answer them), the response to `expectedID` ends it.
    private static func readEvents(
        _ chunks: AsyncThrowingStream<ByteBuffer, any Error>, expectedID: JSONRPCID, upstream: String,
        onNotification: @escaping @Sendable (String, String) async -> Void, answers: ServerRequestAnswerer
    ) async throws -> UpstreamAnswer {
        var parser = SSEParser()
        for try await buffer in chunks {
            for event in try parser.feed(buffer.readableBytesView) where !event.data.isEmpty {
                guard let message = try? UpstreamMessage(Array(event.data.utf8)) else { continue }
                if let method = message.method, let id = message.id {
                    // The upstream waits for this answer before it goes on with the call.
                    let request = UpstreamServerRequest(method: method, rawParams: message.rawParams ?? "{}")
                    await answers.send(await answers.handler(request).response(to: id))
                } else if let method = message.method {
                    await onNotification(method, event.data)
                } else if message.id == expectedID {
                    return answer(message)
                }
            }
        }
        throw UpstreamFailure(description: "upstream \(upstream) closed the stream without answering")
    }

    /// Sends a request; a stale pooled connection is retried inside the client. Failures
    /// become the connection's errors: a timeout, a cancellation, an unreachable upstream.
    private func execute(headers: HTTPHeaders, body: ByteBuffer, deadline: NIODeadline) async throws -> UpstreamHTTPResponse {
        do {
            return try await http.post(headers: headers, body: body, deadline: deadline)
        } catch let error as UpstreamExchangeError {
            throw failure(error)
        } catch let error as UpstreamFailure {
            throw error
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw UpstreamFailure(description: "upstream \(name) is unreachable: \(error)")
        }
    }

    private func failure(_ error: UpstreamExchangeError) -> any Error {
        switch error {
        case .timedOut: UpstreamTimeout()
        case .cancelled: CancellationError()
        case .tooLarge(let limit): UpstreamFailure(description: "upstream \(name) sent an answer larger than \(limit) bytes")
        case .closedBeforeAnswer, .closedDuringAnswer:
            Task.isCancelled ? CancellationError() : UpstreamFailure(description: "upstream \(name) closed the connection without answering")
        }
    }

    private static func answer(_ message: UpstreamMessage) -> UpstreamAnswer {
        if let error = message.error { return .error(error) }
        return .result(message.rawResult ?? "{}")
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
