import Foundation
import HTTPTypes
import Hummingbird
import MCPCore
import SharedProto
import TollgateCore

/// Internal routes (internal token) through which portal-api shows and decides the reviews
/// that tool pinning opens (`ToolPinStore`). A decision is audited (`catalog/approve`,
/// `catalog/reject`, with the operator as the user) and refreshes the upstream at once on
/// this replica; the others pick it up at their next refresh.
struct CatalogReviewController: Sendable {
    let pins: ToolPinStore
    let upstreams: UpstreamCatalog
    let audit: AuditRecorder
    let internalToken: String

    static let states: Set<String> = ["pending", "approved", "rejected"]

    func addRoutes(to router: Router<GatewayRequestContext>) {
        let group = router.group(RouterPath(InternalAPI.Gateway.reviews)).add(middleware: InternalTokenMiddleware<GatewayRequestContext>(token: internalToken))
        group.get { request, _ in
            let query = request.uri.queryParameters
            let state = query["state"].map(String.init)
            if let state, !Self.states.contains(state) { throw ReviewRouteError(status: .badRequest, "state must be pending, approved or rejected") }
            let upstream = query["upstream"].map(String.init)
            if let upstream, upstream.utf8.count > 200 { throw ReviewRouteError(status: .badRequest, "upstream is too long") }
            var limit = 100
            if let text = query["limit"] {
                guard let value = Int(text), (1...500).contains(value) else { throw ReviewRouteError(status: .badRequest, "limit must be 1 to 500") }
                limit = value
            }
            // No upstream name holds a NUL (Postgres text cannot either): nothing to look up.
            let reviews = upstream?.utf8.contains(0) == true ? [] : try await storeCall { try await pins.reviews(state: state, upstream: upstream, limit: limit) }
            let body: JSONValue = ["reviews": .array(reviews.map(json))]
            return Response.json(body.jsonString)
        }
        for decision in ["approve", "reject"] {
            group.post("{id}/\(decision)") { request, context in
                guard let id = Int64(try context.parameters.require("id")), id > 0 else { throw ReviewRouteError(status: .badRequest, "the review id must be a positive number") }
                var request = request
                let body = try await request.collectBody(upTo: 16 << 10)
                guard let operatorName = (try? JSONParser.parse(Array(buffer: body)))?["operator"]?.stringValue, !operatorName.isEmpty, operatorName.utf8.count <= 200 else {
                    throw ReviewRouteError(status: .badRequest, "the body must be {\"operator\": \"...\"}")
                }
                let review: ToolPinStore.Review
                switch try await storeCall({ try await pins.decide(id: id, approve: decision == "approve", operatorName: operatorName) }) {
                case .decided(let decided): review = decided
                case .notFound: throw ReviewRouteError(status: .notFound, "no review \(id)")
                case .notDecidable:
                    throw ReviewRouteError(status: .conflict, decision == "approve" ? "review \(id) is already approved" : "only a pending review can be rejected")
                }
                await audit.catalogReview(review, action: "catalog/\(decision)", operatorName: operatorName)
                upstreams.requestRefresh(of: review.upstream)
                let answer: JSONValue = ["review": json(review)]
                return Response.json(answer.jsonString)
            }
        }
    }

    /// A review in the API's shape, with the difference between the two definitions.
    func json(_ review: ToolPinStore.Review) -> JSONValue {
        [
            "id": .int(Int(review.id)),
            "upstream": .string(review.upstream),
            "tool": .string(review.tool),
            "exposed_name": .string(review.exposedName),
            "change": .string(review.change),
            "mode": .string(review.mode),
            "state": .string(review.state),
            "old_hash": review.oldHash.map { .string($0) } ?? .null,
            "new_hash": .string(review.newHash),
            "old_definition": review.oldDefinition ?? .null,
            "new_definition": review.newDefinition,
            "diff": .array(DefinitionDiff.entries(old: review.oldDefinition, new: review.newDefinition)),
            "seen_at": .string(WireCoding.formatDate(review.seenAt)),
            "decided_at": review.decidedAt.map { .string(WireCoding.formatDate($0)) } ?? .null,
            "decided_by": review.decidedBy.map { .string($0) } ?? .null,
        ]
    }

    /// Database failures as a 503 without their text.
    private func storeCall<T: Sendable>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch {
            throw ReviewRouteError(status: .serviceUnavailable, "the review store is unavailable")
        }
    }
}

/// A refusal of a review route, shown to portal-api as `{"error": ...}`.
struct ReviewRouteError: PublicError {
    var status: HTTPResponse.Status
    var publicMessage: String

    init(status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.publicMessage = message
    }
}
