public import Hummingbird

/// Answers 405 with `Allow` when a path exists but not for the request's method; Hummingbird's
/// router answers 404 for both cases.
///
/// Installed last (`install(on:)`), after every route: a middleware added then wraps only the
/// not-found responder, so it runs exactly when no route matched and costs matched routes
/// nothing. The route list comes from the router itself, so it cannot drift from the routes.
public struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each route's path segments (`{name}` and `*` match one segment, `**` the rest) and methods.
    let routes: [(segments: [Substring], methods: [String])]

    /// Adds the middleware for the routes `router` has now; call it after the last route.
    public static func install(on router: Router<Context>) {
        var grouped: [String: [String]] = [:]
        var order: [String] = []
        for route in router.routes {
            let path = route.path.description
            if grouped[path] == nil { order.append(path) }
            grouped[path, default: []].append(route.method.rawValue)
        }
        router.add(middleware: Self(routes: order.map { path in (path.split(separator: "/"), grouped[path]!) }))
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let segments = request.uri.path.split(separator: "/")
        var allowed: Set<String> = []
        for route in routes where Self.matches(route.segments, segments) {
            allowed.formUnion(route.methods)
        }
        guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { return try await next(request, context) }
        var response = APIErrorMiddleware<Context>.response(status: .methodNotAllowed, message: "method \(request.method.rawValue) is not allowed here")
        response.headers[.allow] = allowed.sorted().joined(separator: ", ")
        return response
    }

    static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        var index = 0
        for segment in pattern {
            if segment == "**" { return true }
            guard index < path.count else { return false }
            if segment != "*", !(segment.hasPrefix("{") && segment.hasSuffix("}")), segment != path[index] { return false }
            index += 1
        }
        return index == path.count
    }
}

extension Router {
    /// This router with `MethodNotAllowedMiddleware` installed after its routes.
    public func withMethodNotAllowed() -> Self {
        MethodNotAllowedMiddleware.install(on: self)
        return self
    }
}
