import Foundation
import Hummingbird
import Logging
import MCPCore
import NIOCore
import SharedProto
import TollgateAuth
import TollgateCore

/// `GET /api/v1/portal/audit/stream`: server-sent events of committed audit events.
/// Opens with `: connected`, sends `event: audit` with the event JSON (the shape of
/// `/audit/events`) per event, `: keepalive` every 30 s, and `event: dropped` with
/// `{"dropped": N}` when a client too slow to keep up lost N events from its buffer. With filters (those of `/events`),
/// each announced batch is checked against the audit service with the same filters, so the
/// stream and the list agree on every rule, JSONB filters included.
struct AuditStreamController: Sendable {
    let feed: AuditFeed
    let audit: ServiceClient
    let keepalive: Duration

    /// Query keys that do not select events on a live stream.
    static let ignoredKeys: Set<String> = ["from", "to", "limit", "offset", "format"]

    func addRoutes(to group: RouterGroup<PortalRequestContext>) {
        group.get("portal/audit/stream") { request, context in try await stream(request, context) }
    }

    private func stream(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let scope = ServiceClient.auditScope(try context.requireIdentity())
        let restriction = try context.requireIdentity().auditSubjectRestriction
        let filters = request.uri.form.pairs.filter { !Self.ignoredKeys.contains($0.key) }.map { ($0.key, $0.value) }
        if !filters.isEmpty {
            // The audit service judges the filters now, over an empty window, so a bad one is a
            // 400 here instead of a stream that opens and never delivers.
            let now = WireCoding.formatDate(Date())
            _ = try await audit.send(
                .GET, InternalAPI.Audit.events, query: FormQuery.encode(filters + [("from", now), ("to", now), ("limit", "1")]),
                requestID: context.id, headers: scope
            )
        }
        guard let subscription = feed.subscribe() else { throw PortalError.unavailable("too many open audit streams; try again later") }
        let feed = self.feed
        let audit = self.audit
        let keepalive = self.keepalive
        let logger = context.logger
        let requestID = context.id
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream",
                .cacheControl: "no-cache",
                .init("X-Accel-Buffering")!: "no",
            ],
            body: ResponseBody { writer in
                defer { feed.unsubscribe(subscription.id) }
                let ticker = Task {
                    while !Task.isCancelled {
                        try await Task.sleep(for: keepalive)
                        feed.keepalive(subscription.id)
                    }
                }
                defer { ticker.cancel() }
                try await writer.write(ByteBuffer(string: ": connected\n\n"))
                for await item in subscription.items {
                    let lost = feed.takeDropped(subscription.id)
                    if lost > 0 { try await writer.write(ByteBuffer(string: "event: dropped\ndata: {\"dropped\":\(lost)}\n\n")) }
                    switch item {
                    case .keepalive:
                        try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
                    case .events(let all):
                        // A caller without the audit scope sees only its own events.
                        let announced = restriction.map { subject in all.filter { $0.event.userSubject == subject } } ?? all
                        guard !announced.isEmpty else { continue }
                        let selected = filters.isEmpty
                            ? announced
                            : await Self.matching(announced, filters: filters, audit: audit, requestID: requestID, logger: logger, headers: scope)
                        guard !selected.isEmpty else { continue }
                        var chunk = ByteBuffer()
                        for item in selected { chunk.writeString(item.frame) }
                        try await writer.write(chunk)
                    }
                }
                try await writer.finish(nil)
            }
        )
    }

    /// The events of a batch that the audit service's filter selects.
    static func matching(
        _ announced: [AuditFeed.Announced], filters: [(String, String)], audit: ServiceClient, requestID: String, logger: Logger,
        headers: [(String, String)]
    ) async -> [AuditFeed.Announced] {
        let times = announced.map(\.event.timestamp)
        guard let first = times.min(), let last = times.max() else { return [] }
        let query = FormQuery.encode(filters + [
            ("from", WireCoding.formatDate(first.addingTimeInterval(-1))),
            ("to", WireCoding.formatDate(last.addingTimeInterval(1))),
            ("limit", "1000"),
        ])
        do {
            let body = try await audit.send(.GET, InternalAPI.Audit.events, query: query, requestID: requestID, headers: headers)
            let ids = Set(((try? JSONParser.parse(Array(buffer: body)))?["events"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue?.lowercased() })
            return announced.filter { ids.contains($0.event.id.uuidString.lowercased()) }
        } catch {
            logger.warning("live-tail filter check failed; batch skipped for this stream", metadata: ["error": "\(error)"])
            return []
        }
    }
}
