import Foundation
public import Hummingbird
import SharedProto

/// Why a request body was refused.
public enum RequestBodyError: PublicError, Equatable {
    case tooLarge(limit: Int)
    case invalid(String)

    public var status: HTTPResponse.Status {
        switch self {
        case .tooLarge: .contentTooLarge
        case .invalid: .badRequest
        }
    }

    public var publicMessage: String {
        switch self {
        case .tooLarge(let limit): "request body is larger than \(limit) bytes"
        case .invalid(let reason): reason
        }
    }
}

extension Request {
    /// Reads at most `limit` bytes and decodes them as JSON with the wire coding.
    /// Oversized bodies are 413 and malformed ones 400, with a message naming the problem.
    public func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw RequestBodyError.tooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else { throw RequestBodyError.invalid("request body is empty; expected JSON") }
        do {
            return try WireCoding.decoder().decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw RequestBodyError.invalid("invalid JSON body: \(Self.describe(error))")
        } catch {
            throw RequestBodyError.invalid("invalid JSON body")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "body" : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field '\(([path(context)] + [key.stringValue]).filter { $0 != "body" }.joined(separator: "."))'"
        case .typeMismatch(_, let context): return "wrong type at '\(path(context))'"
        case .valueNotFound(_, let context): return "null at '\(path(context))'"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not valid JSON" : "invalid value at '\(path(context))': \(context.debugDescription)"
        @unknown default: return "undecodable"
        }
    }
}

/// A JSON response with the wire coding.
public func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let data = try WireCoding.encoder().encode(value)
    return Response(
        status: status,
        headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: data))
    )
}

extension Response {
    /// A JSON response whose body is already encoded JSON.
    public static func json(_ body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }

    /// A JSON response whose body is already encoded JSON.
    public static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        json(ByteBuffer(string: text), status: status)
    }
}
