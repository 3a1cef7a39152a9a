import Hummingbird
import MCPCore
import TollgateAuth
import TollgateCore

/// Public discovery documents: RFC 9728 protected-resource metadata and the
/// authorization-server pointer (404 until an OIDC issuer is configured).
struct WellKnownController: Sendable {
    let serverName: String
    let oidc: OIDCVerifier?
    let baseURL: @Sendable (Request) -> String

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/.well-known/oauth-protected-resource") { request, _ -> Response in
            let base = baseURL(request)
            let document: JSONValue = [
                "resource": .string("\(base)/mcp"),
                "authorization_servers": .array(oidc.map { [.string($0.settings.issuer)] } ?? []),
                "bearer_methods_supported": ["header"],
                "resource_name": .string(serverName),
            ]
            return Response.json(document.jsonString)
        }
        // Points clients at the issuer: its discovery document, as the issuer publishes it.
        router.get("/.well-known/oauth-authorization-server") { _, _ -> Response in
            guard let oidc else { throw HTTPError(.notFound, message: "no authorization server is configured") }
            let document: JSONValue
            do {
                document = try await oidc.discoveryDocument()
            } catch {
                throw HTTPError(.serviceUnavailable, message: "the authorization server's metadata is unavailable")
            }
            return Response.json(document.jsonString)
        }
    }
}
