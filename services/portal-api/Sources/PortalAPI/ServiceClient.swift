public import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SharedProto
import TollgateAuth
import TollgateCore

/// A client of another Tollgate service's internal API (audit, gateway): adds the internal
/// token and the request id, bounds the wait, and turns failures into `PortalError`s so a
/// dependency that is down answers 503 at once instead of hanging the caller.
public struct ServiceClient: Sendable {
    /// The service's name as operators see it in errors, e.g. "audit service".
    let name: String
    let baseURL: String
    let internalToken: String
    let timeout: Duration
    let http: HTTPClient

    public init(name: String, baseURL: String, internalToken: String, timeout: Duration, http: HTTPClient) {
        self.name = name
        self.baseURL = baseURL
        self.internalToken = internalToken
        self.timeout = timeout
        self.http = http
    }

    /// An answer read whole (bounded).
    struct Answer {
        var status: HTTPResponseStatus
        var body: ByteBuffer
    }

    /// Sends a request and reads the answer (at most `limit` bytes). 4xx answers become
    /// `PortalError`s carrying the service's message; 5xx and transport failures become 503.
    /// `timeout` overrides the client's for calls that may run long (a tool call).
    func send(
        _ method: HTTPMethod, _ path: String, query: String? = nil, body: ByteBuffer? = nil, requestID: String, limit: Int = 16 << 20,
        timeout: Duration? = nil, headers: [(String, String)] = []
    ) async throws -> ByteBuffer {
        let response = try await execute(method, path, query: query, body: body, requestID: requestID, timeout: timeout ?? self.timeout, headers: headers)
        let bytes: ByteBuffer
        do {
            bytes = try await response.body.collect(upTo: limit)
        } catch {
            throw PortalError.unavailable("the \(name) answered too much or broke off")
        }
        try check(response.status, body: bytes)
        return bytes
    }

    /// Sends a request and returns the answer with its body unread, for streaming it on.
    /// Only a 2xx answer is returned; others are read (bounded) and thrown as errors.
    func open(_ method: HTTPMethod, _ path: String, query: String? = nil, requestID: String, headers: [(String, String)] = []) async throws -> HTTPClientResponse {
        // A streamed answer (export) may take long as a whole: only its start is bounded here.
        let response = try await execute(method, path, query: query, body: nil, requestID: requestID, timeout: .seconds(3600), headers: headers)
        if !(200..<300).contains(response.status.code) {
            let bytes = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
            try check(response.status, body: bytes)
        }
        return response
    }

    private func execute(
        _ method: HTTPMethod, _ path: String, query: String?, body: ByteBuffer?, requestID: String, timeout: Duration, headers: [(String, String)]
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path + (query.map { $0.isEmpty ? "" : "?" + $0 } ?? ""))
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: InternalAPI.tokenHeader, value: internalToken)
        request.headers.add(name: InternalAPI.requestIDHeader, value: requestID)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        do {
            return try await http.execute(request, timeout: .init(timeout))
        } catch {
            throw PortalError.unavailable("the \(name) is unavailable")
        }
    }

    private func check(_ status: HTTPResponseStatus, body: ByteBuffer) throws {
        guard !(200..<300).contains(status.code) else { return }
        let message = (try? WireCoding.decoder().decode(ErrorBody.self, from: Data(buffer: body)).error) ?? "the \(name) refused the request"
        throw PortalError.refused(by: name, status: Int(status.code), message: message)
    }
}

extension ServiceClient {
    /// The headers that restrict an audit read to the caller's own rows, unless it holds the
    /// `audit` (or `admin`) scope. Every audit route of portal-api sends them.
    static func auditScope(_ identity: CallerIdentity) -> [(String, String)] {
        identity.auditSubjectRestriction.map { [(InternalAPI.Audit.subjectHeader, $0)] } ?? []
    }
}
