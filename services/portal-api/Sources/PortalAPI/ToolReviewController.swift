import Hummingbird
import MCPCore
import NIOCore
import SharedProto
import TollgateCore

/// Rug-pull protection for operators (admin scope): the reviews that tool pinning opens when
/// an upstream tool's definition differs from the one pinned (each with the old and new
/// definition and their difference), and the decision on each. The gateway owns pins and
/// reviews; a decision is audited there with the operator as its user.
///
/// - `GET /api/v1/portal/catalog/reviews?state=pending|approved|rejected&upstream=&limit=`
/// - `POST /api/v1/portal/catalog/reviews/{id}/approve` (the new definition becomes the pin)
/// - `POST /api/v1/portal/catalog/reviews/{id}/reject` (the tool stays withheld in `block` mode)
struct ToolReviewController: Sendable {
    let gateway: ServiceClient

    func addRoutes(to group: RouterGroup<PortalRequestContext>) {
        group.get("portal/catalog/reviews") { request, context in
            _ = try AdminController.requireAdmin(context)
            // Only the known parameters go on, re-encoded: nothing of the caller's query is spliced.
            let form = request.uri.form
            let query = FormQuery.encode(["state", "upstream", "limit"].compactMap { key in form.get(key).map { (key, $0) } })
            let body = try await gateway.send(.GET, InternalAPI.Gateway.reviews, query: query, requestID: context.id, limit: 8 << 20)
            return Response.json(body)
        }
        for decision in ["approve", "reject"] {
            group.post("portal/catalog/reviews/{id}/\(decision)") { _, context in
                let identity = try AdminController.requireAdmin(context)
                guard let id = Int64(try context.parameters.require("id")), id > 0 else { throw PortalError.badRequest("the review id must be a positive number") }
                let operatorJSON = JSONValue.object([("operator", .string(identity.subject))]).jsonString
                let body = try await gateway.send(
                    .POST, "\(InternalAPI.Gateway.reviews)/\(id)/\(decision)", body: ByteBuffer(string: operatorJSON), requestID: context.id, limit: 1 << 20
                )
                return Response.json(body)
            }
        }
    }
}
