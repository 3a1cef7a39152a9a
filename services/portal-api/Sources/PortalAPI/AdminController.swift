import Foundation
import Hummingbird
import KeysClient
import MCPCore
import SharedProto
import TollgateAuth
import TollgateCore

/// The admin API of seed 002: database API keys (mint, list, revoke, through the keys
/// service) and try-it (a tool run through the gateway as the operator, audited as
/// `source=portal-tryit`). Every route needs the `admin` scope (a key granted it, or an OIDC
/// role listed in `auth.oidc.admin_roles`).
struct AdminController: Sendable {
    let keys: KeysClient
    /// Console sessions opened with a key end when the key is revoked.
    let sessions: BrowserSessionStore
    let invoker: ToolInvoker
    /// Names of static keys: a database key may not take one (`AuthSettings.reservedKeyNames`).
    let reservedNames: Set<String>
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<PortalRequestContext>) {
        group.post("admin/keys") { request, context in
            let identity = try Self.requireAdmin(context)
            var mint = try await request.decodeJSON(MintKeyRequest.self, limit: maxBodyBytes)
            mint.createdBy = identity.subject
            guard !reservedNames.contains(mint.name) else { throw PortalError.conflict("the name \(mint.name) is reserved by a static key") }
            if let expiresAt = mint.expiresAt, expiresAt <= Date() { throw PortalError.unprocessable("expires_at must be in the future") }
            let minted = try await call { try await keys.mint(mint) }
            var response = try jsonResponse(minted, status: .created)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        group.get("admin/keys") { _, context in
            _ = try Self.requireAdmin(context)
            return try jsonResponse(APIKeyList(keys: try await call { try await keys.list() }))
        }
        group.delete("admin/keys/{name}") { _, context in
            _ = try Self.requireAdmin(context)
            let name = try context.parameters.require("name")
            let revoked = try await call { try await keys.revoke(name: name) }
            // Also after a 404: a retry of a revocation whose session cleanup failed finishes it.
            do {
                try await sessions.deleteSessions(ofKey: name)
            } catch {
                context.logger.error("a revoked key's console sessions could not be ended", metadata: ["key": "\(name)", "error": "\(String(reflecting: error))"])
                throw PortalError.unavailable("the key's console sessions could not be ended; revoke it again")
            }
            guard revoked else { throw PortalError.notFound("no active key named \(name)") }
            return Response(status: .noContent)
        }
        group.post("admin/tryit/{name}") { request, context in
            let identity = try Self.requireAdmin(context)
            let tool = try context.parameters.require("name")
            var request = request
            let body = try await request.collectBody(upTo: maxBodyBytes)
            let arguments = try Self.arguments(in: Array(buffer: body))
            guard identity.mayCall(tool) else { throw PortalError.notFound("unknown tool: \(tool)") }
            return try await invoker.invoke(tool: tool, rawArguments: arguments, as: identity, source: .tryit, requestID: context.id)
        }
    }

    static func requireAdmin(_ context: PortalRequestContext) throws -> CallerIdentity {
        let identity = try context.requireIdentity()
        guard identity.scopes.contains("admin") else { throw PortalError.forbidden("this route needs the admin scope") }
        return identity
    }

    /// The raw `arguments` object of a try-it body (`{}` when absent), unchanged.
    static func arguments(in body: [UInt8]) throws -> String {
        guard !body.isEmpty else { return "{}" }
        let members: [(key: String, raw: ArraySlice<UInt8>)]
        do {
            members = try JSONParser.rawMembers(of: body)
        } catch {
            throw PortalError.badRequest("invalid JSON body: expected {\"arguments\": {...}}")
        }
        guard let raw = members.last(where: { $0.key == "arguments" })?.raw else { return "{}" }
        guard case .object? = try? JSONParser.parse(Array(raw)) else { throw PortalError.badRequest("arguments must be an object") }
        return String(decoding: raw, as: UTF8.self)
    }

    /// Runs a keys-service call, with its failures as portal errors.
    private func call<T: Sendable>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch KeysClientError.rejected(let status, let message) {
            throw PortalError.refused(by: "keys service", status: status, message: message)
        } catch is KeysClientError {
            throw PortalError.unavailable("the keys service is unavailable")
        }
    }
}
