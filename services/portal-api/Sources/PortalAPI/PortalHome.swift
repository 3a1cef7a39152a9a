import Hummingbird

/// `GET /portal/` and its subpaths: the place of the operator UI. No UI is bundled yet, so
/// this is a small page pointing at login and the API description.
struct PortalHome: Sendable {
    static let page = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Tollgate portal</title></head>
        <body>
        <h1>Tollgate portal</h1>
        <p>No web UI is bundled with this build. The operator API is at <a href="/api/v1/openapi.json">/api/v1/</a>
        (OpenAPI document).</p>
        <p><a href="/portal/auth/login">Log in</a> to get a browser session for it.</p>
        </body></html>
        """

    func addRoutes(to router: Router<PortalRequestContext>) {
        let handler: @Sendable (Request, PortalRequestContext) async throws -> Response = { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .init("Content-Security-Policy")!: "default-src 'none'; frame-ancestors 'none'"],
                body: .init(byteBuffer: ByteBuffer(string: Self.page))
            )
        }
        router.get("/portal", use: handler)
        router.get("/portal/**", use: handler)
    }
}
