import Foundation
import Hummingbird
import NIOCore
import SharedProto
import TollgateAuth
import TollgateCore

/// The audit routes of seed 002, answered by the audit service: the query string (every
/// filter) goes through unchanged, so the filter rules live in one place (the audit service's
/// `AuditFilter`), and its answers come back as they are; exports stream through unbuffered.
/// A caller without the `audit` scope reads only its own rows (`ServiceClient.auditScope`).
struct AuditController: Sendable {
    let audit: ServiceClient

    func addRoutes(to group: RouterGroup<PortalRequestContext>) {
        group.get("portal/audit/events") { request, context in
            try await forward(InternalAPI.Audit.events, request, context)
        }
        group.get("portal/audit/events/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let uuid = UUID(uuidString: id) else { throw PortalError.badRequest("id must be a UUID") }
            let scope = ServiceClient.auditScope(try context.requireIdentity())
            let body = try await audit.send(.GET, "\(InternalAPI.Audit.events)/\(uuid.uuidString.lowercased())", requestID: context.id, headers: scope)
            return Response.json(body)
        }
        group.get("portal/audit/export") { request, context in
            let query = request.uri.form
            guard (query.get("format") ?? "jsonl") == "jsonl" else { throw PortalError.badRequest("format must be jsonl (the only supported export format)") }
            let scope = ServiceClient.auditScope(try context.requireIdentity())
            let upstream = try await audit.open(.GET, InternalAPI.Audit.export, query: request.uri.query, requestID: context.id, headers: scope)
            return Response(
                status: .ok,
                headers: [.contentType: "application/x-ndjson", .contentDisposition: "attachment; filename=\"audit.jsonl\"", .cacheControl: "no-store"],
                body: ResponseBody { writer in
                    for try await chunk in upstream.body { try await writer.write(chunk) }
                    try await writer.finish(nil)
                }
            )
        }
        group.get("portal/audit/timeseries") { request, context in
            try await forward(InternalAPI.Audit.timeseries, request, context)
        }
        group.get("portal/audit/breakdown") { request, context in
            try await forward(InternalAPI.Audit.breakdown, request, context)
        }
        group.get("portal/dashboard") { request, context in
            try await forward(InternalAPI.Audit.dashboard, request, context)
        }
        // The tamper-evident trail: whole-trail reads, for the audit scope only.
        group.get("portal/audit/verify") { request, context in
            try await forwardWholeTrail(InternalAPI.Audit.verify, request, context)
        }
        group.get("portal/audit/checkpoints") { request, context in
            try await forwardWholeTrail(InternalAPI.Audit.checkpoints, request, context)
        }
    }

    private func forwardWholeTrail(_ path: String, _ request: Request, _ context: PortalRequestContext) async throws -> Response {
        guard try context.requireIdentity().readsEveryAuditRow else {
            throw PortalError.forbidden("this route reads the whole trail: it needs the audit scope")
        }
        // A month of links takes a while to recompute: a longer wait than other reads.
        return Response.json(try await audit.send(.GET, path, query: request.uri.query, requestID: context.id, timeout: .seconds(300)))
    }

    private func forward(_ path: String, _ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let scope = ServiceClient.auditScope(try context.requireIdentity())
        return Response.json(try await audit.send(.GET, path, query: request.uri.query, requestID: context.id, headers: scope))
    }
}
