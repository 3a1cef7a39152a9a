import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCPCore
import NIOCore
import ServiceLifecycle
import SharedProto
import Synchronization
import TollgateAuth
import TollgateCore

/// The Streamable HTTP transport at `/` and `/mcp`: POST (JSON or SSE answers), GET (the
/// session's server-to-client stream), DELETE (end a session), for the 2025 revisions
/// (initialize + session in Redis) and 2026-07-28 (stateless, per-request `_meta`).
struct MCPEndpoint: Sendable {
    let dispatcher: MCPDispatcher
    let authenticator: Authenticator
    let sessions: SessionStore
    let rateLimiter: RateLimiter
    let cancellations: CancellationRegistry
    let originPolicy: OriginPolicy
    let audit: AuditRecorder
    let clientAddress: ClientAddress
    let connections: ConnectionWatch
    let maxBodyBytes: Int
    var spans: MCPSpans = .off
    let resourceMetadataURL: @Sendable (Request) -> String
    let logger: Logger

    func addRoutes(to router: Router<GatewayRequestContext>) {
        for path in ["/", "/mcp"] {
            router.post(RouterPath(path)) { request, context in await post(request, context: context) }
            router.get(RouterPath(path)) { request, context in await get(request, context: context) }
            router.delete(RouterPath(path)) { request, context in await delete(request, context: context) }
        }
    }

    // MARK: POST

    func post(_ request: Request, context: GatewayRequestContext) async -> Response {
        var request = request
        do {
            try originPolicy.check(request.headers)
            let accepted = AcceptedTypes(request.headers.value(.accept))
            guard accepted.json || accepted.eventStream else {
                throw HTTPLevelError(status: .notAcceptable, error: .invalidRequest("Accept must include application/json or text/event-stream"))
            }
            if let type = request.headers.value(.contentType), !MediaType.isJSON(type) {
                throw HTTPLevelError(status: .unsupportedMediaType, error: .invalidRequest("Content-Type must be application/json"))
            }
            let identity = try await authenticate(request, context: context)
            try await enforceRateLimit(identity)
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: maxBodyBytes)
            } catch {
                throw HTTPLevelError(status: .contentTooLarge, error: .invalidRequest("request body is larger than \(maxBodyBytes) bytes"))
            }
            let message: JSONRPCMessage
            do {
                message = try JSONRPCMessage.parse(Array(buffer: body))
            } catch {
                return jsonRPCErrorResponse(id: error.id, error.error, status: .badRequest, sessionID: nil)
            }
            let era: ProtocolEra
            do {
                era = try await resolveEra(message, headers: request.headers, identity: identity)
            } catch let failure as EraFailure {
                return jsonRPCErrorResponse(id: message.id, failure.error, status: failure.status, sessionID: nil)
            }
            switch message.kind {
            case .response:
                await handleResponse(Array(buffer: body), era: era)
                return Response(status: .accepted, headers: sessionHeaders(era))
            case .notification:
                await handleNotification(message, era: era)
                return Response(status: .accepted, headers: sessionHeaders(era))
            case .request(let id):
                return await handleRequest(request, message: message, id: id, era: era, identity: identity, accepted: accepted, context: context)
            }
        } catch let error as HTTPLevelError {
            var headers = error.headers
            headers[.contentType] = "application/json"
            return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JSONRPCEncoder.error(id: nil, error.error))))
        } catch {
            logger.error("MCP request failed", metadata: ["error": "\(String(reflecting: error))"])
            return jsonRPCErrorResponse(id: nil, .internalError(), status: .internalServerError, sessionID: nil)
        }
    }

    func handleRequest(
        _ request: Request, message: JSONRPCMessage, id: JSONRPCID, era: ProtocolEra, identity: CallerIdentity, accepted: AcceptedTypes,
        context: GatewayRequestContext
    ) async -> Response {
        let progressToken = message.params["_meta"]?["progressToken"]
        let toolName = message.method == "tools/call" ? message.params["name"]?.stringValue : nil
        // SSE only when there is something to stream, or when the client takes nothing else;
        // otherwise JSON. Either way the connection stays open for the next request. Something
        // to stream: progress; or, in a 2025 session, a long call that the client may cancel
        // with notifications/cancelled, after which it must get no answer at all (a stream can
        // end without one; a JSON answer cannot).
        let longRunning = toolName.map(dispatcher.isLongRunning) ?? false
        let cancellableBySession = longRunning && !era.isModern
        let streams = accepted.eventStream && (!accepted.json || (toolName != nil && (progressToken != nil || cancellableBySession)))
        // A long call is cancelled when its client goes away (the 2026-07-28 way to cancel).
        let watched = longRunning ? context.channel : nil

        if message.method == "subscriptions/listen", era.isModern {
            return listen(request, message: message, id: id, accepted: accepted)
        }

        // initialize: dispatch, then open the session the answer names.
        if message.method == "initialize", case .handshake = era {
            do {
                let result = dispatcher.initialize(requested: message.params["protocolVersion"]?.stringValue)
                let session = try await sessions.create(
                    protocolVersion: result["protocolVersion"]?.stringValue ?? ProtocolVersion.latestHandshake,
                    subject: identity.subject,
                    clientInfo: message.params["clientInfo"] ?? .null,
                    clientCapabilities: message.params["capabilities"].flatMap { if case .object = $0 { $0 } else { nil } } ?? .object([])
                )
                let payload = JSONRPCEncoder.result(id: id, json: result.jsonString)
                return streams ? eventStreamResponse(payload, sessionID: session.id) : jsonResponse(payload, sessionID: session.id)
            } catch {
                return jsonRPCErrorResponse(id: id, .internalError("sessions are unavailable; try again"), status: .serviceUnavailable, sessionID: nil)
            }
        }

        let sessionID: String?
        if case .handshake(let session?) = era { sessionID = session.id } else { sessionID = nil }
        var modernInput: ClientInteraction?
        if era.isModern, toolName != nil {
            let meta = message.params["_meta"]
            modernInput = .modern(
                ModernInput(
                    capabilities: meta?[ProtocolVersion.metaCapabilitiesKey] ?? .object([]),
                    // Raw bytes only when there are answers: most calls carry none, and the
                    // member scan would be a second pass over every call's params.
                    rawInputResponses: message.params["inputResponses"] == nil ? nil : MCPDispatcher.rawMember("inputResponses", of: message),
                    requestState: message.params["requestState"]?.stringValue
                )
            )
        }
        let relay = dispatcher.relay
        let interaction = modernInput
        let clientCapabilities: JSONValue? = if case .handshake(let session?) = era { session.clientCapabilities } else { nil }
        let cancelKey = sessionID.map { CancellationRegistry.key(session: $0, request: id) }

        // Tool calls, resource reads and prompt gets are audited; a resource's row names its URI.
        let target = MCPDispatcher.auditedMethods[message.method].flatMap { message.params[$0]?.stringValue }
        let auditedName = audit.isEnabled ? target : nil
        // The caller's trace (header, or `_meta` per SEP-414); an audited call without one starts
        // one here, so its row and its upstream call share the id. A built-in call that is not
        // audited draws nothing from the random generator (`ToolCallContext.upstreamTrace`).
        let incoming = TraceContext.incoming(headers: request.headers, meta: message.params["_meta"])
        let span = spans.start(
            method: message.method, target: target, parent: incoming, requestID: id, sessionID: sessionID,
            protocolVersion: era.protocolVersion
        )
        let trace = incoming ?? span?.context ?? (auditedName != nil ? .start() : nil)
        let auditCall = auditedName.map { name in
            AuditRecorder.Call(
                toolName: name, toolGroup: message.method == "tools/call" ? dispatcher.group(of: name) : nil,
                method: message.method,
                denied: !MCPDispatcher.isAllowed(method: message.method, name: name, for: identity),
                params: .object((message.params.objectValue ?? []).filter { $0.0 != "_meta" }),
                identity: identity, headers: request.headers.map { ($0.name.canonicalName, $0.value) },
                // Resolved only for an audited call: the request id and the client address were
                // 1.5 % of a built-in call's CPU.
                remoteAddress: remoteAddress(request, context: context), sessionID: sessionID, requestID: context.id,
                traceID: trace?.traceID
            )
        }
        let audit = self.audit

        let headers = request.headers
        @Sendable func run(notify: (@Sendable (String) async -> Void)?) async -> Result<String, JSONRPCError> {
            // Notifications are kept only for an audited call's payload.
            let notifications = auditCall != nil && notify != nil ? NotificationLog() : nil
            var recordingNotify: (@Sendable (String) async -> Void)? = notify
            if let notify, let notifications {
                recordingNotify = { @Sendable json in
                    notifications.append(json)
                    await notify(json)
                }
            }
            let progress = recordingNotify.flatMap { send in progressToken.map { ProgressReporter(token: $0, send: send) } }
            // A 2025 session's call on a stream can be asked for input on that stream.
            let streamInput = recordingNotify.flatMap { send in
                sessionID.flatMap { id in
                    clientCapabilities.map { ClientInteraction.stream(ClientRequester(relay: relay, sessionID: id, capabilities: $0, send: send)) }
                }
            }
            let context = ToolCallContext(
                identity: identity, headers: headers, progress: progress, trace: trace, span: span?.context, interaction: streamInput ?? interaction
            )
            let outcome: Result<String, JSONRPCError>
            do {
                outcome = .success(
                    try await Self.untilDisconnect(watched, connections) {
                        if let cancelKey {
                            try await cancellations.run(key: cancelKey) { try await dispatcher.dispatch(message, era: era, context: context) }
                        } else {
                            try await dispatcher.dispatch(message, era: era, context: context)
                        }
                    }
                )
            } catch let error as JSONRPCError {
                outcome = .failure(error)
            } catch is CancellationError {
                dispatcher.toolCallsCancelled.increment()
                outcome = .failure(JSONRPCError(code: -32800, message: "request cancelled"))
            } catch {
                outcome = .failure(.internalError())
            }
            span?.end(outcome)
            // The answer goes out only once its audit event is outside the process.
            if let auditCall { await audit.toolCall(auditCall, outcome: outcome, notifications: notifications?.entries ?? []) }
            return outcome
        }

        if streams {
            return streamingResponse(request, sessionID: sessionID) { notify in
                switch await run(notify: notify) {
                case .success(let result): return JSONRPCEncoder.result(id: id, json: result)
                // A cancelled request gets no answer on a stream (the client stopped waiting).
                case .failure(let error) where error.code == JSONRPCErrorCode.cancelled: return nil
                case .failure(let error): return JSONRPCEncoder.error(id: id, error)
                }
            }
        }
        switch await run(notify: nil) {
        case .success(let result):
            return jsonResponse(JSONRPCEncoder.result(id: id, json: result), sessionID: sessionID)
        case .failure(let error):
            return jsonResponse(JSONRPCEncoder.error(id: id, error), sessionID: sessionID, status: status(for: error, era: era))
        }
    }

    /// An SSE answer: notifications as they happen, then the response. When the client goes
    /// away (the 2026-07-28 way to cancel) the running call is cancelled.
    func streamingResponse(
        _ request: Request, sessionID: String?, work: @escaping @Sendable (@escaping @Sendable (String) async -> Void) async -> String?
    ) -> Response {
        var headers = eventStreamHeaders
        if let sessionID { headers[.mcpSessionID] = sessionID }
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let (events, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(4096))
                let task = Task {
                    let final = await work { event in continuation.yield(event) }
                    if let final { continuation.yield(final) }
                    continuation.finish()
                }
                // The request was read whole before, so the connection is free for the next
                // request once this stream ends; a write that fails (the client left) cancels.
                do {
                    for await event in events {
                        try await writer.write(ByteBuffer(string: "event: message\ndata: \(event)\n\n"))
                    }
                } catch {
                    task.cancel()
                    throw error
                }
                _ = await task.value
                try await writer.finish(nil)
            }
        )
    }

    /// Runs `operation`, cancelled when the client closes `channel` (the 2026-07-28 way to
    /// cancel). Without a channel it just runs.
    static func untilDisconnect<T: Sendable>(
        _ channel: (any Channel)?, _ connections: ConnectionWatch, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard let channel else { return try await operation() }
        return try await connections.cancellingOnClose(channel, operation)
    }

    /// A client's answer to a request the gateway put to it for an upstream: handed to the
    /// call that waits for it (on this replica or another). An answer from outside the
    /// session that was asked finds nothing.
    func handleResponse(_ body: [UInt8], era: ProtocolEra) async {
        guard case .handshake(let session?) = era, let message = try? UpstreamMessage(body), case .string(let id)? = message.id else { return }
        let answer: UpstreamAnswer = message.error.map { .error($0) } ?? .result(message.rawResult ?? "{}")
        await dispatcher.relay.deliver(id: id, session: session.id, answer: answer)
    }

    func handleNotification(_ message: JSONRPCMessage, era: ProtocolEra) async {
        guard message.method == "notifications/cancelled", case .handshake(let session?) = era,
            let requestID = message.params["requestId"].flatMap(JSONRPCID.init)
        else { return }
        await cancellations.cancel(key: CancellationRegistry.key(session: session.id, request: requestID))
    }

    // MARK: helpers

    /// The param whose value a 2026-07-28 request repeats in its `Mcp-Name` header.
    static let namedParam = ["tools/call": "name", "prompts/get": "name", "resources/read": "uri"]

    /// Why a request's protocol era could not be established.
    struct EraFailure: Error {
        var error: JSONRPCError
        var status: HTTPResponse.Status
    }

    /// 2026-07-28 when the request carries the per-request envelope (or asks for discovery);
    /// otherwise a 2025-era request, which needs its session unless it is `initialize`.
    func resolveEra(_ message: JSONRPCMessage, headers: HTTPFields, identity: CallerIdentity) async throws -> ProtocolEra {
        let headerVersion = headers.value(.mcpProtocolVersion)
        let meta = message.params["_meta"]
        let envelopeVersion = meta?[ProtocolVersion.metaVersionKey]
        let isModern = envelopeVersion != nil || message.method == "server/discover" || headerVersion.map(ProtocolVersion.modern.contains) == true
        if isModern {
            guard case .object = meta, let version = envelopeVersion, meta?[ProtocolVersion.metaCapabilitiesKey] != nil else {
                throw EraFailure(error: .invalidParams("params._meta must carry \(ProtocolVersion.metaVersionKey) and \(ProtocolVersion.metaCapabilitiesKey)"), status: .badRequest)
            }
            if message.kind != .notification {
                guard headerVersion == version.stringValue else {
                    throw EraFailure(error: .headerMismatch("MCP-Protocol-Version header does not match the request's protocol version"), status: .badRequest)
                }
                guard headers.value(.mcpMethod) == message.method else {
                    throw EraFailure(error: .headerMismatch("Mcp-Method header does not match the request's method"), status: .badRequest)
                }
                let nameKey = Self.namedParam[message.method]
                if let nameKey, let name = message.params[nameKey]?.stringValue, MCPHeaderValue.decode(headers.value(.mcpName)) != name {
                    throw EraFailure(error: .headerMismatch("Mcp-Name header does not match the request's \(nameKey)"), status: .badRequest)
                }
            }
            guard let text = version.stringValue else {
                throw EraFailure(error: .invalidParams("the protocol version must be a string"), status: .badRequest)
            }
            guard ProtocolVersion.modern.contains(text) else {
                throw EraFailure(error: .unsupportedProtocolVersion(requested: text, supported: ProtocolVersion.all), status: .badRequest)
            }
            return .modern(version: text)
        }
        if let headerVersion, !ProtocolVersion.handshake.contains(headerVersion) {
            throw EraFailure(error: .unsupportedProtocolVersion(requested: headerVersion, supported: ProtocolVersion.all), status: .badRequest)
        }
        if message.method == "initialize" {
            return .handshake(session: nil)
        }
        guard let sessionID = headers.value(.mcpSessionID) else {
            if message.kind == .request(message.id ?? .number("0")) {
                throw EraFailure(error: .invalidRequest("Mcp-Session-Id header is required; call initialize first"), status: .badRequest)
            }
            return .handshake(session: nil)
        }
        do {
            return .handshake(session: try await loadSession(sessionID, identity: identity))
        } catch let error as HTTPLevelError {
            throw EraFailure(error: error.error, status: error.status)
        }
    }

    func loadSession(_ id: String, identity: CallerIdentity) async throws -> MCPSession {
        do {
            return try await sessions.load(id: id, subject: identity.subject)
        } catch {
            throw error == .notFound
                ? HTTPLevelError(status: .notFound, error: .invalidRequest("unknown or expired session; initialize again"))
                : HTTPLevelError(status: .serviceUnavailable, error: .internalError("sessions are unavailable; try again"))
        }
    }

    /// The client's address: the peer, or the right-most untrusted `X-Forwarded-For` hop.
    func remoteAddress(_ request: Request, context: GatewayRequestContext) -> String? {
        clientAddress.resolve(peer: context.peerIP, forwardedFor: request.headers[values: HTTPField.Name("X-Forwarded-For")!])
    }

    func authenticate(_ request: Request, context: GatewayRequestContext) async throws -> CallerIdentity {
        do {
            return try await authenticator.authenticate(request.headers)
        } catch {
            if error == .unavailable {
                throw HTTPLevelError(status: .serviceUnavailable, error: .internalError(AuthenticationFailure.unavailable.message), headers: [.retryAfter: "1"])
            }
            audit.authenticationFailure(
                reason: error.message, headers: request.headers.map { ($0.name.canonicalName, $0.value) },
                remoteAddress: remoteAddress(request, context: context), requestID: request.headers.value(.init(InternalAPI.requestIDHeader)!)
            )
            let challenge = "Bearer realm=\"tollgate\", resource_metadata=\"\(resourceMetadataURL(request))\""
            throw HTTPLevelError(status: .unauthorized, error: JSONRPCError(code: JSONRPCErrorCode.unauthorized, message: error.message), headers: [.wwwAuthenticate: challenge])
        }
    }

    func enforceRateLimit(_ identity: CallerIdentity) async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        if case .limited(let seconds) = await rateLimiter.check(identity: identity.subject, nowMilliseconds: now) {
            throw HTTPLevelError(
                status: .tooManyRequests, error: JSONRPCError(code: JSONRPCErrorCode.rateLimited, message: "rate limit exceeded; retry in \(seconds) s", data: ["retryAfter": .int(seconds)]),
                headers: [.retryAfter: String(seconds)]
            )
        }
    }

    /// HTTP status of a JSON error answer, from its code: 2026-07-28 maps protocol errors to
    /// 4xx, the 2025 revisions answer 200. A result is always 200, whatever its text says.
    func status(for error: JSONRPCError, era: ProtocolEra) -> HTTPResponse.Status {
        guard era.isModern else { return .ok }
        switch error.code {
        case JSONRPCErrorCode.parseError, JSONRPCErrorCode.invalidRequest, JSONRPCErrorCode.invalidParams, JSONRPCErrorCode.headerMismatch,
            JSONRPCErrorCode.unsupportedProtocolVersion:
            return .badRequest
        case JSONRPCErrorCode.methodNotFound:
            return .notFound
        default:
            return .ok
        }
    }

    var eventStreamHeaders: HTTPFields {
        [.contentType: "text/event-stream", .cacheControl: "no-cache, no-transform", .xAccelBuffering: "no"]
    }

    func sessionHeaders(_ era: ProtocolEra) -> HTTPFields {
        if case .handshake(let session?) = era { return [.mcpSessionID: session.id] }
        return [:]
    }

    func jsonResponse(_ payload: String, sessionID: String?, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let sessionID { headers[.mcpSessionID] = sessionID }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: payload)))
    }

    func eventStreamResponse(_ payload: String, sessionID: String?) -> Response {
        var headers = eventStreamHeaders
        if let sessionID { headers[.mcpSessionID] = sessionID }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "event: message\ndata: \(payload)\n\n")))
    }

    func jsonRPCErrorResponse(id: JSONRPCID?, _ error: JSONRPCError, status: HTTPResponse.Status, sessionID: String?) -> Response {
        jsonResponse(JSONRPCEncoder.error(id: id, error), sessionID: sessionID, status: status)
    }

    func errorResponse(_ error: HTTPLevelError) -> Response {
        var headers = error.headers
        headers[.contentType] = "application/json"
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JSONRPCEncoder.error(id: nil, error.error))))
    }
}

/// The notifications sent during one call, for its audit payload (bounded).
final class NotificationLog: Sendable {
    private let items = Mutex<[JSONValue]>([])

    func append(_ json: String) {
        guard let message = try? JSONParser.parse(json) else { return }
        let entry: JSONValue = [
            "ts": .string(WireCoding.formatDate(Date())),
            "method": message["method"] ?? .null,
            "params": message["params"] ?? .null,
        ]
        items.withLock { if $0.count < 1000 { $0.append(entry) } }
    }

    var entries: [JSONValue] { items.withLock { $0 } }
}
