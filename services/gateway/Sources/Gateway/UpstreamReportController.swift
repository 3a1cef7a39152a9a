import Foundation
import Hummingbird
import MCPCore
import SharedProto
import TollgateCore

/// Internal routes (internal token) behind portal-api's upstream views: each upstream's state
/// as this replica sees it (`GET /internal/v1/upstreams`) and the catalog change log of seed
/// 001 (`GET /internal/v1/catalog/changes?upstream&from&to&limit`, shared by every replica).
struct UpstreamReportController: Sendable {
    let upstreams: UpstreamCatalog
    let snapshots: CatalogSnapshotStore
    let internalToken: String

    func addRoutes(to router: Router<GatewayRequestContext>) {
        let token = InternalTokenMiddleware<GatewayRequestContext>(token: internalToken)
        router.group(RouterPath(InternalAPI.Gateway.upstreams)).add(middleware: token).get { _, _ in
            let body: JSONValue = ["upstreams": .array(upstreams.report)]
            return Response.json(body.jsonString)
        }
        router.group(RouterPath(InternalAPI.Gateway.catalogChanges)).add(middleware: token).get { request, _ in
            let query = request.uri.queryParameters
            let upstream = query["upstream"].map(String.init)
            if let upstream, upstream.utf8.count > 200 { throw ReviewRouteError(status: .badRequest, "upstream is too long") }
            let from = try Self.date(query["from"].map(String.init), name: "from")
            let to = try Self.date(query["to"].map(String.init), name: "to")
            var limit = 100
            if let text = query["limit"] {
                guard let value = Int(text), (1...1000).contains(value) else { throw ReviewRouteError(status: .badRequest, "limit must be 1 to 1000") }
                limit = value
            }
            var changes: [JSONValue] = []
            do {
                // No upstream name holds a NUL (Postgres text cannot either): nothing to look up.
                if upstream?.utf8.contains(0) != true {
                    changes = try await snapshots.changes(upstream: upstream, from: from, to: to, limit: limit)
                }
            } catch {
                throw ReviewRouteError(status: .serviceUnavailable, "the catalog log is unavailable")
            }
            let body: JSONValue = ["changes": .array(changes)]
            return Response.json(body.jsonString)
        }
    }

    /// An RFC 3339 time, or 400 naming the parameter.
    static func date(_ text: String?, name: String) throws -> Date? {
        guard let text else { return nil }
        guard text.utf8.count <= 64, let date = WireCoding.parseDate(text) else {
            throw ReviewRouteError(status: .badRequest, "\(name) must be an RFC 3339 time such as 2026-11-30T12:00:00Z")
        }
        return date
    }
}
