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
/// Answers may be JSON or SSE; SSE notifications are forwarded as they arrive.
final class HTTPUpstream: UpstreamConnection {
    private let name: String
    private let url: String
    private let headers: [(String, String)]
    private let timeout: Duration
    private let http: HTTPClient
    private let logger: Logger
    private let session = Mutex<String?>(nil)
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
        } catch let failure as SessionExpired {
            // The upstream restarted or expired the session: start a new one, once.
            _ = failure
            session.withLock { if $0 == sessionID { $0 = nil } }
            let renewed = try await ensureSession()
            return try await send(method: method, params: params, sessionID: renewed, onNotification: onNotification)
        }
    }

    private struct SessionExpired: Error {}

    private func ensureSession() async throws -> String? {
        if let existing = session.withLock({ $0 }) { return existing }
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let params = #"{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"tollgate","version":"\#(TollgateVersion.current)"}}"#
        let body = #"{"jsonrpc":"2.0","id":\#(id),"method":"initialize","params":\#(params)}"#
        let (answer, sessionID) = try await post(body: body, expectedID: .number(String(id)), sessionID: nil, onNotification: { _, _ in })
        if case .error(let error) = answer {
            throw UpstreamFailure(description: "upstream \(name) refused initialize: \(error.message)")
        }
        _ = try await post(body: #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, expectedID: nil, sessionID: sessionID, onNotification: { _, _ in })
        session.withLock { $0 = sessionID }
        // Stateless upstreams answer without a session id: remember that with an empty marker.
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
            response = try await http.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
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
