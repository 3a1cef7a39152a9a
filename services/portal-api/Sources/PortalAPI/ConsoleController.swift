import Crypto
import Hummingbird

/// `/portal/`: the operator console. A single page (`index.html`) and plain ES modules with
/// a stylesheet, compiled into the binary (SwiftPM's `embedInCode`), so the executable needs
/// nothing beside it and there is no build step. Every subpath gets the page (the console
/// routes in the browser). Assets live under `/portal/assets/<version>/`, where the version
/// is a digest of all of them: a new build changes every URL, so they can be cached forever.
struct ConsoleController: Sendable {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }

    let assets: [String: Asset]
    let version: String
    let page: String

    /// No inline script or style, nothing from another origin, never in a frame.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// `oidcLogin`: whether browser login through OIDC is configured (the sign-in page offers it).
    init(oidcLogin: Bool) {
        let javascript = "text/javascript; charset=utf-8"
        let assets: [String: Asset] = [
            "app.css": Asset(bytes: PackageResources.app_css, contentType: "text/css; charset=utf-8"),
            "app.js": Asset(bytes: PackageResources.app_js, contentType: javascript),
            "api.js": Asset(bytes: PackageResources.api_js, contentType: javascript),
            "ui.js": Asset(bytes: PackageResources.ui_js, contentType: javascript),
            "charts.js": Asset(bytes: PackageResources.charts_js, contentType: javascript),
            "page-signin.js": Asset(bytes: PackageResources.page_signin_js, contentType: javascript),
            "page-dashboard.js": Asset(bytes: PackageResources.page_dashboard_js, contentType: javascript),
            "page-audit.js": Asset(bytes: PackageResources.page_audit_js, contentType: javascript),
            "page-tail.js": Asset(bytes: PackageResources.page_tail_js, contentType: javascript),
            "page-tools.js": Asset(bytes: PackageResources.page_tools_js, contentType: javascript),
            "page-upstreams.js": Asset(bytes: PackageResources.page_upstreams_js, contentType: javascript),
            "page-keys.js": Asset(bytes: PackageResources.page_keys_js, contentType: javascript),
            "page-server.js": Asset(bytes: PackageResources.page_server_js, contentType: javascript),
        ]
        var digest = SHA256()
        for name in assets.keys.sorted() {
            digest.update(data: Array(name.utf8))
            digest.update(data: assets[name]!.bytes)
        }
        let version = digest.finalize().prefix(8).map { String($0, radix: 16).leftPaddedHex }.joined()
        self.assets = assets
        self.version = version
        self.page = String(decoding: PackageResources.index_html, as: UTF8.self)
            .replacingOccurrences(of: "{{assets}}", with: "/portal/assets/\(version)")
            .replacingOccurrences(of: "{{login}}", with: oidcLogin ? "oidc key" : "key")
    }

    func addRoutes(to router: Router<PortalRequestContext>) {
        let pageResponse: @Sendable (Request, PortalRequestContext) async throws -> Response = { _, _ in
            Response(
                status: .ok,
                headers: Self.securityHeaders(contentType: "text/html; charset=utf-8", cache: "no-cache"),
                body: .init(byteBuffer: ByteBuffer(string: page))
            )
        }
        router.get("/portal", use: pageResponse)
        router.get("/portal/**", use: pageResponse)
        router.get("/portal/assets/{version}/{file}") { _, context in
            let file = try context.parameters.require("file")
            guard let asset = assets[file] else { throw PortalError.notFound("no console asset named \(file)") }
            // A page of an older build may still ask for its assets: it gets today's, uncached.
            let current = context.parameters.get("version") == version
            return Response(
                status: .ok,
                headers: Self.securityHeaders(contentType: asset.contentType, cache: current ? "public, max-age=31536000, immutable" : "no-cache"),
                body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes))
            )
        }
    }

    static func securityHeaders(contentType: String, cache: String) -> HTTPFields {
        [
            .contentType: contentType,
            .cacheControl: cache,
            .init("Content-Security-Policy")!: contentSecurityPolicy,
            .init("X-Content-Type-Options")!: "nosniff",
            .init("Referrer-Policy")!: "no-referrer",
            .init("X-Frame-Options")!: "DENY",
        ]
    }
}

extension String {
    fileprivate var leftPaddedHex: String { count == 1 ? "0" + self : self }
}
