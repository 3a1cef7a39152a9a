public import Hummingbird
import Logging
public import TollgateAuth

/// The request context of portal routes: the authenticated operator, once
/// `PortalAuthMiddleware` has run.
public struct PortalRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is calling; set by `PortalAuthMiddleware` on every `/api/v1` route.
    public var identity: CallerIdentity?
    /// Whether the identity came from the browser session cookie (CSRF checks apply).
    public var viaCookie = false

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// The authenticated caller; routes behind the auth middleware always have one.
    public func requireIdentity() throws -> CallerIdentity {
        guard let identity else { throw PortalError.unauthenticated("authentication required", resourceMetadata: "") }
        return identity
    }
}
