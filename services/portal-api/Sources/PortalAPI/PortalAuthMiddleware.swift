import HTTPTypes
import Hummingbird
import Logging
import TollgateAuth

/// Authenticates every `/api/v1` request: the browser session cookie, else the same
/// credentials as the gateway (`X-API-Key`, `Authorization: Bearer` with an API key or an
/// OIDC JWT). Cookie-authenticated requests that change state must carry `X-Requested-With`:
/// a cross-site form cannot set that header, so it cannot ride on the operator's cookie.
struct PortalAuthMiddleware: RouterMiddleware {
    typealias Context = PortalRequestContext

    let authenticator: Authenticator
    let sessions: BrowserSessionStore
    let cookieName: String
    let resourceMetadataURL: @Sendable (Request) -> String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if Authenticator.credential(request.headers) == nil, let cookie = request.cookies[cookieName] {
            let identity: CallerIdentity?
            do {
                identity = try await sessions.identity(token: cookie.value)
            } catch {
                context.logger.warning("session lookup failed", metadata: ["error": "\(String(reflecting: error))"])
                throw PortalError.unavailable("sessions are temporarily unavailable")
            }
            guard let identity else {
                throw PortalError.unauthenticated("session expired or invalid: log in again", resourceMetadata: resourceMetadataURL(request))
            }
            if request.method != .get, request.method != .head, request.method != .options, !Self.hasCSRFHeader(request) {
                throw PortalError.forbidden("X-Requested-With header required for cookie-authenticated changes")
            }
            context.identity = identity
            context.viaCookie = true
        } else {
            do {
                context.identity = try await authenticator.authenticate(request.headers)
            } catch .unavailable {
                throw PortalError.unavailable(AuthenticationFailure.unavailable.message)
            } catch {
                throw PortalError.unauthenticated(error.message, resourceMetadata: resourceMetadataURL(request))
            }
        }
        context.logger[metadataKey: "user_subject"] = .string(context.identity?.subject ?? "")
        var response = try await next(request, context)
        // Every answer here is about one caller (keys, identity, their audit rows): no cache
        // may keep it, unless the route chose otherwise.
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    static func hasCSRFHeader(_ request: Request) -> Bool {
        guard let value = request.headers[HTTPField.Name("X-Requested-With")!] else { return false }
        return !value.trimmingCharacters(in: .whitespaces).isEmpty
    }
}
