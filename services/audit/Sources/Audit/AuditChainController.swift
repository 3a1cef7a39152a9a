import Foundation
import Hummingbird
import PostgresNIO
import SharedProto
import TollgateCore

/// The tamper-evident trail's routes (internal token; whole-trail reads, so a request that
/// carries a subject restriction is refused):
/// - `GET /internal/v1/audit/verify?from&to` (default: the last 24 hours): `ChainVerifier.Report`.
/// - `GET /internal/v1/audit/checkpoints?from&to`: `{"algorithm", "public_key", "key_id", "checkpoints": [...]}`,
///   what an offline verifier needs beside an export.
struct AuditChainController: Sendable {
    let client: PostgresClient
    let internalToken: String
    let signer: ChainSigner
    /// The longest window one verification covers.
    static let maximumWindow: TimeInterval = 31 * 86_400

    func addRoutes(to router: Router<BasicRequestContext>) {
        let token = InternalTokenMiddleware<BasicRequestContext>(token: internalToken)
        router.group(RouterPath(InternalAPI.Audit.verify)).add(middleware: token).get { request, context in try await verify(request, context: context) }
        router.group(RouterPath(InternalAPI.Audit.checkpoints)).add(middleware: token).get { request, context in
            try await checkpoints(request, context: context)
        }
    }

    private func window(_ request: Request) throws -> (Date, Date) {
        guard AuditQueryController.subject(request) == nil else {
            throw HTTPError(.forbidden, message: "this route reads the whole trail: it needs the audit scope")
        }
        let query = request.uri.form
        return try AuditStatsController.window(query.get("from"), query.get("to"), defaultSeconds: 86_400)
    }

    private func verify(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (from, to) = try window(request)
        // Well-formed, but more than one request should recompute: verify it month by month.
        guard to.timeIntervalSince(from) <= Self.maximumWindow else {
            throw HTTPError(.unprocessableContent, message: "one verification covers at most 31 days")
        }
        let report = try await ChainVerifier(client: client, publicKey: signer.publicKeyBase64, logger: context.logger).verify(from: from, to: to)
        return try Response.json(String(decoding: WireCoding.encoder().encode(report), as: UTF8.self))
    }

    struct CheckpointList: Codable {
        var algorithm = "Ed25519"
        var publicKey: String?
        var keyID: String?
        var checkpoints: [ChainCheckpoint]

        enum CodingKeys: String, CodingKey { case algorithm, publicKey = "public_key", keyID = "key_id", checkpoints }
    }

    private func checkpoints(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (from, to) = try window(request)
        let list = CheckpointList(
            publicKey: signer.publicKeyBase64, keyID: signer.keyID,
            checkpoints: try await ChainCheckpointQuery.list(client: client, from: from, to: to, logger: context.logger)
        )
        return try Response.json(String(decoding: WireCoding.encoder().encode(list), as: UTF8.self))
    }
}
