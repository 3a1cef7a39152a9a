import Foundation
import HTTPTypes
import Hummingbird
import MCPCore
import NIOCore
import ServiceLifecycle
import Synchronization
import TollgateCore

/// GET (a 2025-era session's server-to-client stream) and DELETE (end a session).
extension MCPEndpoint {
    func get(_ request: Request, context: GatewayRequestContext) async -> Response {
        let accepted = AcceptedTypes(request.headers.value(.accept))
        if accepted.html, !accepted.eventStream {
            return Response(status: .found, headers: [.location: "/portal/"])
        }
        do {
            try originPolicy.check(request.headers)
            guard accepted.eventStream else {
                throw HTTPLevelError(status: .notAcceptable, error: .invalidRequest("Accept must include text/event-stream"))
            }
            let identity = try await authenticate(request, context: context)
            guard let sessionID = request.headers.value(.mcpSessionID) else {
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
            guard let sessionID = request.headers.value(.mcpSessionID) else {
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

    static let toolsListChanged = JSONRPCEncoder.notification(method: "notifications/tools/list_changed", params: .object([]))

    /// The session's server-to-client stream: `notifications/tools/list_changed` when this
    /// replica's tool list changes (an upstream's tools changed, were withheld, withdrawn or
    /// came back), a comment every 15 s; it ends when the client leaves, the session is
    /// deleted, or the gateway shuts down.
    func sessionStream(_ request: Request, session: MCPSession) -> Response {
        var headers = eventStreamHeaders
        headers[.mcpSessionID] = session.id
        let sessions = self.sessions
        return changeStream(
            request, headers: headers, opening: nil, change: Self.toolsListChanged, closing: nil,
            stillWanted: { (try? await sessions.load(id: session.id, subject: session.subject)) != nil }
        )
    }

    /// What a change stream writes next.
    private enum StreamEvent: Sendable {
        case toolsChanged
        case keepalive
    }

    /// A stream of tool-list changes: `opening` first, `change` whenever this replica's tool
    /// list changes (nil: none are sent), a comment every 15 s while `stillWanted`; `closing`
    /// when the gateway shuts down. It ends when the client leaves.
    func changeStream(
        _ request: Request, headers: HTTPFields, opening: String?, change: String?, closing: String?, stillWanted: @escaping @Sendable () async -> Bool
    ) -> Response {
        let changes = dispatcher.upstreams.changes
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: opening.map { "event: message\ndata: \($0)\n\n" } ?? ": connected\n\n"))
                // One loop writes; the tasks only signal it (the writer cannot be shared).
                let (events, continuation) = AsyncStream<StreamEvent>.makeStream(bufferingPolicy: .bufferingNewest(8))
                let subscription = changes.subscribe()
                let shutDown = Atomic(false)
                try await request.body.consumeWithInboundCloseHandler { _ in
                    try await withGracefulShutdownHandler {
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            if change != nil {
                                group.addTask {
                                    for await _ in subscription { continuation.yield(.toolsChanged) }
                                }
                            }
                            group.addTask {
                                while !Task.isCancelled {
                                    try await Task.sleep(for: .seconds(15))
                                    guard await stillWanted() else { break }
                                    continuation.yield(.keepalive)
                                }
                                continuation.finish()
                            }
                            for await event in events {
                                switch event {
                                case .toolsChanged: try await writer.write(ByteBuffer(string: "event: message\ndata: \(change ?? "")\n\n"))
                                case .keepalive: try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
                                }
                            }
                            group.cancelAll()
                        }
                    } onGracefulShutdown: {
                        shutDown.store(true, ordering: .relaxed)
                        continuation.finish()
                    }
                } onInboundClosed: {
                    continuation.finish()
                }
                if let closing, shutDown.load(ordering: .relaxed) {
                    try? await writer.write(ByteBuffer(string: "event: message\ndata: \(closing)\n\n"))
                }
                try? await writer.finish(nil)
            }
        )
    }

    /// `subscriptions/listen` (2026-07-28): the answer is the stream. It is acknowledged with
    /// the notifications the gateway honours (`toolsListChanged`; resources and prompts lists
    /// do not change at runtime), then carries `notifications/tools/list_changed`, each tagged
    /// with the subscription id (the request's id); a shutdown ends it with the result.
    func listen(_ request: Request, message: JSONRPCMessage, id: JSONRPCID, accepted: AcceptedTypes) -> Response {
        guard accepted.eventStream else {
            return jsonRPCErrorResponse(id: id, .invalidRequest("subscriptions/listen answers with a stream: Accept must include text/event-stream"), status: .notAcceptable, sessionID: nil)
        }
        guard case .object = message.params["notifications"] else {
            return jsonRPCErrorResponse(id: id, .invalidParams("subscriptions/listen needs a notifications object"), status: .badRequest, sessionID: nil)
        }
        let wantsTools = message.params["notifications"]?["toolsListChanged"] == .bool(true)
        let subscriptionID: JSONValue = switch id {
        case .string(let text): .string(text)
        case .number(let text): .number(text)
        }
        let meta: JSONValue = .object([("io.modelcontextprotocol/subscriptionId", subscriptionID)])
        let honored: JSONValue = wantsTools ? ["toolsListChanged": true] : .object([])
        let opening = JSONRPCEncoder.notification(method: "notifications/subscriptions/acknowledged", params: ["notifications": honored, "_meta": meta])
        let change = JSONRPCEncoder.notification(method: "notifications/tools/list_changed", params: ["_meta": meta])
        let closing = JSONRPCEncoder.result(id: id, json: JSONValue.object([("_meta", meta), ("resultType", "complete")]).jsonString)
        return changeStream(request, headers: eventStreamHeaders, opening: opening, change: wantsTools ? change : nil, closing: closing, stillWanted: { true })
    }
}
