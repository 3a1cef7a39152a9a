import AsyncHTTPClient
import Foundation
import Logging
import MCPCore
import NIOCore
import NIOHTTP1
import SharedProto
import Synchronization

/// An upstream reached over Streamable HTTP with AsyncHTTPClient (pooled connections).
/// It speaks the 2025-11-25 handshake, which every Streamable HTTP server understands,
/// keeps the upstream's session id, and re-initializes once when the upstream forgets it.
/// An upstream that answers `initialize` without a session id is stateless: it is called
/// without initializing again. A request that fails because the upstream had already closed
/// the pooled connection is sent once more on a new one. Answers may be JSON or SSE; SSE
/// notifications are forwarded as they arrive.
final class HTTPUpstream: UpstreamConnection {
    /// What is known about the upstream's session.
    private enum Session: Equatable {
        case unknown
        /// Initialized; the upstream gave no session id.
        case stateless
        case active(String)

        var id: String? { if case .active(let id) = self { id } else { nil } }
    }

    private let name: String
    private let url: String
    private let headers: [(String, String)]
    private let timeout: Duration
    private let http: HTTPClient
    private let logger: Logger
    private let session = Mutex<Session>(.unknown)
    private let nextID = Atomic<Int>(1)
    static let maximumResponseBytes = 64 * 1024 * 1024

    init(name: String, url: String, headers: [(String, String)], timeout: Duration, http: HTTPClient, logger: Logger) {
        self.name = name
        self.url = url
        self.headers = headers
        self.timeout = timeout
        self.http = http
        self.logger = logger
    }

    func close() async {}

    func request(method: String, params: String, onNotification: @escaping @Sendable (String, String) async -> Void) async throws -> UpstreamAnswer {
        let sessionID = try await ensureSession()
        do {
            return try await send(method: method, params: params, sessionID: sessionID, onNotification: onNotification)
        } catch is SessionExpired {
            // The upstream restarted or expired the session: start a new one, once.
            session.withLock { if $0.id == sessionID { $0 = .unknown } }
            let renewed = try await ensureSession()
            return try await send(method: method, params: params, sessionID: renewed, onNotification: onNotification)
        }
    }

    private struct SessionExpired: Error {}

    private func ensureSession() async throws -> String? {
        switch session.withLock({ $0 }) {
        case .active(let id): return id
        case .stateless: return nil
        case .unknown: break
        }
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let params = #"{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"tollgate","version":"\#(TollgateVersion.current)"}}"#
        let body = #"{"jsonrpc":"2.0","id":\#(id),"method":"initialize","params":\#(params)}"#
        let (answer, sessionID) = try await post(body: body, expectedID: .number(String(id)), sessionID: nil, onNotification: { _, _ in })
        if case .error(let error) = answer {
            throw UpstreamFailure(description: "upstream \(name) refused initialize: \(error.message)")
        }
        _ = try await post(body: #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, expectedID: nil, sessionID: sessionID, onNotification: { _, _ in })
        // Stateless upstreams answer without a session id: remembered, so they are not
        // initialized again before every call.
        session.withLock { $0 = sessionID.map(Session.active) ?? .stateless }
        return sessionID
    }

    private func send(method: String, params: String, sessionID: String?, onNotification: @escaping @Sendable (String, String) async -> Void) async throws -> UpstreamAnswer {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let body = #"{"jsonrpc":"2.0","id":\#(id),"method":\#(JSONValue.string(method).jsonString),"params":\#(params)}"#
        do {
            return try await post(body: body, expectedID: .number(String(id)), sessionID: sessionID, onNotification: onNotification).0
        } catch is CancellationError {
            // Tell the upstream to stop too; best effort, off the cancelled task.
            let cancel = #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":\#(id),"reason":"cancelled by the client"}}"#
            Task { _ = try? await self.post(body: cancel, expectedID: nil, sessionID: sessionID, onNotification: { _, _ in }) }
            throw CancellationError()
        }
    }

    /// POSTs one message and reads the answer (JSON or SSE) until the response to `expectedID`.
    private func post(
        body: String, expectedID: JSONRPCID?, sessionID: String?, onNotification: @escaping @Sendable (String, String) async -> Void
    ) async throws -> (UpstreamAnswer, String?) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        for (header, value) in headers { request.headers.add(name: header, value: value) }
        if let sessionID {
            request.headers.add(name: "Mcp-Session-Id", value: sessionID)
            request.headers.add(name: "MCP-Protocol-Version", value: "2025-11-25")
        }
        request.body = .bytes(ByteBuffer(string: body))

        let response: HTTPClientResponse
        do {
            response = try await execute(request)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where error == .cancelled {
            throw CancellationError()
        } catch {
            throw UpstreamFailure(description: "upstream \(name) is unreachable: \(error)")
        }
        let returnedSession = response.headers.first(name: "Mcp-Session-Id") ?? sessionID
        if response.status == .notFound, sessionID != nil {
            throw SessionExpired()
        }
        guard let expectedID else {
            // A notification: 202 expected; nothing to read.
            return (.result("{}"), returnedSession)
        }
        guard (200..<300).contains(response.status.code) else {
            let text = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
            if let message = try? UpstreamMessage(Array(text.utf8)), let error = message.error {
                return (.error(error), returnedSession)
            }
            throw UpstreamFailure(description: "upstream \(name) answered HTTP \(response.status.code)")
        }
        let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
        if contentType.hasPrefix("text/event-stream") {
            var parser = SSEParser()
            for try await buffer in response.body {
                for event in try parser.feed(buffer.readableBytesView) where !event.data.isEmpty {
                    let bytes = Array(event.data.utf8)
                    guard let message = try? UpstreamMessage(bytes) else { continue }
                    if let method = message.method {
                        await onNotification(method, event.data)
                    } else if message.id == expectedID {
                        return (Self.answer(message), returnedSession)
                    }
                }
            }
            throw UpstreamFailure(description: "upstream \(name) closed the stream without answering")
        }
        let collected = try await response.body.collect(upTo: Self.maximumResponseBytes)
        let message: UpstreamMessage
        do {
            message = try UpstreamMessage(Array(buffer: collected))
        } catch {
            throw UpstreamFailure(description: "upstream \(name) sent invalid JSON")
        }
        return (Self.answer(message), returnedSession)
    }

    /// Executes a request; when it fails because the pooled connection had been closed by the
    /// upstream (an idle timeout on its side), once more on a fresh connection. These errors
    /// come from writing on a connection that was already gone, so the upstream did not get
    /// the request; any other failure is not retried.
    private func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        do {
            return try await http.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
        } catch where Self.isStaleConnection(error) {
            logger.debug("upstream closed a pooled connection; retrying once", metadata: ["upstream": "\(name)", "error": "\(error)"])
            return try await http.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
        }
    }

    /// Failures that mean "the connection was already closed when we wrote on it".
    static func isStaleConnection(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .remoteConnectionClosed { return true }
        if let error = error as? ChannelError, error == .ioOnClosedChannel || error == .alreadyClosed || error == .eof { return true }
        if let error = error as? IOError, [ECONNRESET, EPIPE].contains(error.errnoCode) { return true }
        return false
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
