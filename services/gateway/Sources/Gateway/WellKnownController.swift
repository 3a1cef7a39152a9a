import Hummingbird
import MCPCore
import TollgateCore

/// Public discovery documents: RFC 9728 protected-resource metadata and the
/// authorization-server pointer (404 until an OIDC issuer is configured).
struct WellKnownController: Sendable {
    let serverName: String
    let baseURL: @Sendable (Request) -> String

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/.well-known/oauth-protected-resource") { request, _ -> Response in
            let base = baseURL(request)
            let document: JSONValue = [
                "resource": .string("\(base)/mcp"),
                "authorization_servers": [],
                "bearer_methods_supported": ["header"],
                "resource_name": .string(serverName),
            ]
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: document.jsonString)))
        }
        router.get("/.well-known/oauth-authorization-server") { _, _ -> Response in
            throw HTTPError(.notFound, message: "no authorization server is configured")
        }
    }
}
