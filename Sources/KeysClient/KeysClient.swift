import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SharedProto

/// Errors of the keys client. Messages never contain a presented key.
public enum KeysClientError: Error, Equatable, CustomStringConvertible {
    /// The keys service could not be reached or did not answer in time.
    case unavailable(String)
    /// The keys service answered with an error (`{"error": ...}`).
    case rejected(status: Int, message: String)

    public var description: String {
        switch self {
        case .unavailable(let reason): "keys service unavailable: \(reason)"
        case .rejected(let status, let message): "keys service answered \(status): \(message)"
        }
    }
}

/// HTTP client of the keys service's internal API, for the gateway and portal-api.
public struct KeysClient: Sendable {
    public struct Configuration: Sendable {
        /// e.g. `http://127.0.0.1:8082`
        public var baseURL: String
        public var internalToken: String
        public var timeout: Duration

        public init(baseURL: String, internalToken: String, timeout: Duration = .seconds(5)) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.internalToken = internalToken
            self.timeout = timeout
        }
    }

    private let configuration: Configuration
    private let http: HTTPClient

    public init(configuration: Configuration, httpClient: HTTPClient) {
        self.configuration = configuration
        self.http = httpClient
    }

    /// Validates without any cache: one call to the keys service (one bcrypt verification there).
    public func validate(_ presented: String) async throws -> KeyValidationResponse {
        try await call(.POST, InternalAPI.Keys.validate, body: KeyValidationRequest(key: presented), expect: KeyValidationResponse.self)
    }

    public func mint(_ request: MintKeyRequest) async throws -> MintKeyResponse {
        try await call(.POST, InternalAPI.Keys.keys, body: request, expect: MintKeyResponse.self)
    }

    public func list(includeRevoked: Bool = false) async throws -> [APIKeyInfo] {
        try await call(.GET, InternalAPI.Keys.keys + (includeRevoked ? "?include_revoked=true" : ""), expect: APIKeyList.self).keys
    }

    /// The active key of that name, or `nil`.
    public func get(name: String) async throws -> APIKeyInfo? {
        do {
            return try await call(.GET, "\(InternalAPI.Keys.keys)/\(Self.escape(name))", expect: APIKeyInfo.self)
        } catch KeysClientError.rejected(status: 404, _) {
            return nil
        }
    }

    /// Revokes the active key of that name; `false` when there is none.
    public func revoke(name: String) async throws -> Bool {
        do {
            _ = try await send(.DELETE, "\(InternalAPI.Keys.keys)/\(Self.escape(name))", body: nil)
            return true
        } catch KeysClientError.rejected(status: 404, _) {
            return false
        }
    }

    private func call<Response: Decodable>(
        _ method: HTTPMethod, _ path: String, body: (some Encodable)? = Optional<Int>.none, expect: Response.Type
    ) async throws -> Response {
        let data = try body.map { try WireCoding.encoder().encode($0) }
        let bytes = try await send(method, path, body: data)
        do {
            return try WireCoding.decoder().decode(Response.self, from: Data(buffer: bytes))
        } catch {
            throw KeysClientError.unavailable("undecodable answer from the keys service")
        }
    }

    private func send(_ method: HTTPMethod, _ path: String, body: Data?) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: configuration.baseURL + path)
        request.method = method
        request.headers.add(name: InternalAPI.tokenHeader, value: configuration.internalToken)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .nanoseconds(Int64(configuration.timeout.components.seconds) * 1_000_000_000 + configuration.timeout.components.attoseconds / 1_000_000_000))
            bytes = try await response.body.collect(upTo: 1 << 24)
        } catch {
            throw KeysClientError.unavailable("\(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            let message = (try? WireCoding.decoder().decode(ErrorBody.self, from: Data(buffer: bytes)).error) ?? response.status.reasonPhrase
            throw KeysClientError.rejected(status: Int(response.status.code), message: message)
        }
        return bytes
    }

    private static func escape(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? name
    }
}
