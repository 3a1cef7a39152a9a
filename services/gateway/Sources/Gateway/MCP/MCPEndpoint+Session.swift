import Foundation
import HTTPTypes
import Hummingbird
import MCPCore
import NIOCore
import ServiceLifecycle

/// GET (a 2025-era session's server-to-client stream) and DELETE (end a session).
extension MCPEndpoint {
    func get(_ request: Request, context: GatewayRequestContext) async -> Response {
        let accepted = AcceptedTypes(request.headers[.accept])
        if accepted.html, !accepted.eventStream {
            return Response(status: .found, headers: [.location: "/portal/"])
        }
        do {
            try originPolicy.check(request.headers)
            guard accepted.eventStream else {
                throw HTTPLevelError(status: .notAcceptable, error: .invalidRequest("Accept must include text/event-stream"))
            }
            let identity = try await authenticate(request, context: context)
            guard let sessionID = request.headers[.mcpSessionID] else {
                throw HTTPLevelError(status: .methodNotAllowed, error: .invalidRequest("no server-initiated stream without a session"), headers: [.allow: "POST"])
            }
            let session = try await loadSession(sessionID, identity: identity)
            return sessionStream(request, session: session)
        } catch let error as HTTPLevelError {
            return errorResponse(error)
        } catch {
            return jsonRPCErrorResponse(id: nil, .internalError(), status: .internalServerError, sessionID: nil)
        }
    }

    func delete(_ request: Request, context: GatewayRequestContext) async -> Response {
        do {
            try originPolicy.check(request.headers)
            let identity = try await authenticate(request, context: context)
            guard let sessionID = request.headers[.mcpSessionID] else {
                throw HTTPLevelError(status: .methodNotAllowed, error: .invalidRequest("no session to end"), headers: [.allow: "POST"])
            }
            do {
                _ = try await sessions.delete(id: sessionID, subject: identity.subject)
            } catch {
                throw error == .notFound
                    ? HTTPLevelError(status: .notFound, error: .invalidRequest("unknown or expired session"))
                    : HTTPLevelError(status: .serviceUnavailable, error: .internalError("sessions are unavailable"))
            }
            return Response(status: .ok, headers: [.mcpSessionID: sessionID])
        } catch let error as HTTPLevelError {
            return errorResponse(error)
        } catch {
            return jsonRPCErrorResponse(id: nil, .internalError(), status: .internalServerError, sessionID: nil)
        }
    }

    /// What the session stream writes next.
    private enum StreamEvent: Sendable {
        case toolsChanged
        case keepalive
    }

    static let toolsListChanged = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n"

    /// The session's server-to-client stream: `notifications/tools/list_changed` when this
    /// replica's tool list changes (an upstream's tools changed, were withheld, withdrawn or
    /// came back), a comment every 15 s; it ends when the client leaves, the session is
    /// deleted, or the gateway shuts down.
    func sessionStream(_ request: Request, session: MCPSession) -> Response {
        var headers = eventStreamHeaders
        headers[.mcpSessionID] = session.id
        let sessions = self.sessions
        let changes = dispatcher.upstreams.changes
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: ": connected\n\n"))
                // One loop writes; the tasks only signal it (the writer cannot be shared).
                let (events, continuation) = AsyncStream<StreamEvent>.makeStream(bufferingPolicy: .bufferingNewest(8))
                let subscription = changes.subscribe()
                try await request.body.consumeWithInboundCloseHandler { _ in
                    try await withGracefulShutdownHandler {
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask {
                                for await _ in subscription { continuation.yield(.toolsChanged) }
                            }
                            group.addTask {
                                while !Task.isCancelled {
                                    try await Task.sleep(for: .seconds(15))
                                    guard (try? await sessions.load(id: session.id, subject: session.subject)) != nil else { break }
                                    continuation.yield(.keepalive)
                                }
                                continuation.finish()
                            }
                            for await event in events {
                                switch event {
                                case .toolsChanged: try await writer.write(ByteBuffer(string: Self.toolsListChanged))
                                case .keepalive: try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
                                }
                            }
                            group.cancelAll()
                        }
                    } onGracefulShutdown: {
                        continuation.finish()
                    }
                } onInboundClosed: {
                    continuation.finish()
                }
                try? await writer.finish(nil)
            }
        )
    }
}
