import Foundation
import Hummingbird
import SharedProto
import TollgateCore

/// The keys service's internal API (internal token required):
/// `POST /internal/v1/keys` mint, `GET /internal/v1/keys` list, `GET /internal/v1/keys/{name}`,
/// `DELETE /internal/v1/keys/{name}` revoke, `POST /internal/v1/keys/validate`.
struct KeysController<Context: RequestContext>: Sendable {
    let store: KeyStore
    let hasher: KeyHasher
    let validator: KeyValidator
    let revocations: RevocationPublisher
    let maxBodyBytes: Int
    let internalToken: String

    func addRoutes(to router: Router<Context>) {
        let group = router.group(RouterPath(InternalAPI.Keys.keys)).add(middleware: InternalTokenMiddleware(token: internalToken))
        group.post(use: mint)
        group.get(use: list)
        group.post("validate", use: validate)
        group.get("{name}", use: get)
        group.delete("{name}", use: revoke)
    }

    @Sendable func mint(_ request: Request, context: Context) async throws -> Response {
        let mint = try await request.decodeJSON(MintKeyRequest.self, limit: maxBodyBytes)
        try MintRequestValidation.check(mint)
        let id = KeyGenerator.id()
        let secret = KeyGenerator.secret()
        let hash = try await hasher.hash(secret)
        let info = try await store.insert(id: id, hash: hash, request: mint)
        context.logger.info("key minted", metadata: ["key.name": "\(info.name)", "key.id": "\(info.id)"])
        return try jsonResponse(MintKeyResponse(key: info, plaintext: APIKeyFormat.format(id: id, secret: secret)), status: .created)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let includeRevoked: Bool
        switch request.uri.queryParameters.get("include_revoked") {
        case nil, "false": includeRevoked = false
        case "true": includeRevoked = true
        default: throw KeysError.invalidRequest("include_revoked must be true or false")
        }
        return try jsonResponse(APIKeyList(keys: try await store.list(includeRevoked: includeRevoked)))
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        let name = try context.parameters.require("name")
        guard MintRequestValidation.isName(name), let info = try await store.activeKey(named: name) else {
            throw KeysError.notFound(String(name.prefix(64)))
        }
        return try jsonResponse(info)
    }

    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        let name = try context.parameters.require("name")
        guard MintRequestValidation.isName(name), let id = try await store.revoke(named: name) else {
            throw KeysError.notFound(String(name.prefix(64)))
        }
        context.logger.info("key revoked", metadata: ["key.name": "\(name)", "key.id": "\(id)"])
        await revocations.announce(keyID: id)
        return Response(status: .noContent)
    }

    @Sendable func validate(_ request: Request, context: Context) async throws -> Response {
        // A presented key is at most 256 characters; the body has no reason to be larger than 1 KiB.
        let body = try await request.decodeJSON(KeyValidationRequest.self, limit: 1024)
        return try jsonResponse(try await validator.validate(body.key))
    }
}
