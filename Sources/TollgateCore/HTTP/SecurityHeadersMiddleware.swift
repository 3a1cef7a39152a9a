public import Hummingbird

/// Headers every response of every service carries, and methods no route serves.
///
/// - `X-Content-Type-Options: nosniff`: a browser never guesses a JSON or text answer to be
///   HTML or script.
/// - `TRACE` and `CONNECT` are refused with 405 on every path (no route takes them; TRACE
///   would echo credentials back to a script).
/// - A `Host` that is not `hostname[:port]` or `[IPv6][:port]` is refused with 400: services
///   build URLs from it (resource metadata, `WWW-Authenticate`), so quotes, commas, spaces
///   or slashes in it must never reach a response.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .trace || request.method == .connect {
            var response = APIErrorMiddleware<Context>.response(status: .methodNotAllowed, message: "method \(request.method.rawValue) is not allowed")
            response.headers[.allow] = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
            response.headers[.xContentTypeOptions] = "nosniff"
            return response
        }
        if let authority = request.head.authority, !Self.isValidHost(authority) {
            var response = APIErrorMiddleware<Context>.response(status: .badRequest, message: "invalid Host header")
            response.headers[.xContentTypeOptions] = "nosniff"
            return response
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }

    /// `hostname[:port]` (letters, digits, `-`, `.`, `_`) or `[IPv6][:port]`, at most 255 bytes.
    public static func isValidHost(_ authority: String) -> Bool {
        let bytes = Array(authority.utf8)
        guard !bytes.isEmpty, bytes.count <= 255 else { return false }
        var hostEnd = bytes.count
        var index = 0
        if bytes[0] == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > 1 else { return false }
            guard bytes[1..<close].allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else { return false }
            index = close + 1
            hostEnd = close + 1
            if index < bytes.count, bytes[index] != UInt8(ascii: ":") { return false }
        } else {
            if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) { hostEnd = colon }
            guard hostEnd > 0, bytes[0..<hostEnd].allSatisfy({ isHostByte($0) }) else { return false }
            index = hostEnd
        }
        guard index < bytes.count else { return true }
        // ":" then 1 to 5 digits.
        let port = bytes[(index + 1)...]
        return !port.isEmpty && port.count <= 5 && port.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
    }
}
