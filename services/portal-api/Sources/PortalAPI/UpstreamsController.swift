import Hummingbird
import SharedProto
import TollgateCore

/// The upstreams and their catalog for operators (admin scope: last errors name hosts and
/// commands, and the change log names every tool, whatever a caller's allow-list):
///
/// - `GET /api/v1/portal/upstreams`: each upstream's transport, state, last error, last
///   refresh, tool count, withheld tools, pin mode and negotiated protocol revision, as the
///   gateway replica that answers sees them;
/// - `GET /api/v1/portal/catalog/changes?upstream&from&to&limit`: seed 001's change log (tools
///   added, removed, modified, with old and new hashes), newest first.
struct UpstreamsController: Sendable {
    let gateway: ServiceClient

    func addRoutes(to group: RouterGroup<PortalRequestContext>) {
        group.get("portal/upstreams") { _, context in
            _ = try AdminController.requireAdmin(context)
            return Response.json(try await gateway.send(.GET, InternalAPI.Gateway.upstreams, requestID: context.id, limit: 4 << 20))
        }
        group.get("portal/catalog/changes") { request, context in
            _ = try AdminController.requireAdmin(context)
            // Only the known parameters go on, re-encoded.
            let form = request.uri.form
            let query = FormQuery.encode(["upstream", "from", "to", "limit"].compactMap { key in form.get(key).map { (key, $0) } })
            return Response.json(try await gateway.send(.GET, InternalAPI.Gateway.catalogChanges, query: query, requestID: context.id, limit: 8 << 20))
        }
    }
}
