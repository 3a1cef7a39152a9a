import Foundation

/// One audit event: a tool call (any source) or an authentication failure, as the gateway
/// publishes it on `RedisNames.auditStream` (field `e`, JSON) and the audit service stores it.
/// JSON-valued columns travel as JSON text so their numbers and strings stay exactly as the
/// caller sent them. Field names are the columns of `audit.audit_events`.
public struct AuditEvent: Codable, Sendable, Equatable {
    public var id: UUID
    public var timestamp: Date
    public var durationMs: Int64
    public var requestID: String?
    public var sessionID: String?
    public var userSubject: String?
    public var userEmail: String?
    /// `apikey`, `oidc` or `anonymous`; `nil` for a failed authentication.
    public var authType: String?
    public var apiKeyName: String?
    /// The tool, or `auth` for an authentication failure.
    public var toolName: String
    public var toolGroup: String?
    /// The arguments with `redact_keys` applied, as JSON text.
    public var parameters: String?
    public var success: Bool
    public var errorMessage: String?
    public var errorCategory: String?
    public var requestChars: Int?
    public var responseChars: Int?
    public var contentBlocks: Int?
    public var transport: String
    /// `mcp`, `portal-tryit` or `portal-replay`.
    public var source: String
    public var remoteAddr: String?
    public var userAgent: String?
    public var traceID: String?
    public var payload: AuditPayload?

    public init(
        id: UUID = UUID(), timestamp: Date, durationMs: Int64, requestID: String? = nil, sessionID: String? = nil,
        userSubject: String? = nil, userEmail: String? = nil, authType: String? = nil, apiKeyName: String? = nil,
        toolName: String, toolGroup: String? = nil, parameters: String? = nil, success: Bool, errorMessage: String? = nil,
        errorCategory: String? = nil, requestChars: Int? = nil, responseChars: Int? = nil, contentBlocks: Int? = nil,
        transport: String = "http", source: String = "mcp", remoteAddr: String? = nil, userAgent: String? = nil,
        traceID: String? = nil, payload: AuditPayload? = nil
    ) {
        self.id = id
        self.timestamp = timestamp
        self.durationMs = durationMs
        self.requestID = requestID
        self.sessionID = sessionID
        self.userSubject = userSubject
        self.userEmail = userEmail
        self.authType = authType
        self.apiKeyName = apiKeyName
        self.toolName = toolName
        self.toolGroup = toolGroup
        self.parameters = parameters
        self.success = success
        self.errorMessage = errorMessage
        self.errorCategory = errorCategory
        self.requestChars = requestChars
        self.responseChars = responseChars
        self.contentBlocks = contentBlocks
        self.transport = transport
        self.source = source
        self.remoteAddr = remoteAddr
        self.userAgent = userAgent
        self.traceID = traceID
        self.payload = payload
    }

    enum CodingKeys: String, CodingKey {
        case id, timestamp, parameters, success, transport, source, payload
        case durationMs = "duration_ms"
        case requestID = "request_id"
        case sessionID = "session_id"
        case userSubject = "user_subject"
        case userEmail = "user_email"
        case authType = "auth_type"
        case apiKeyName = "api_key_name"
        case toolName = "tool_name"
        case toolGroup = "tool_group"
        case errorMessage = "error_message"
        case errorCategory = "error_category"
        case requestChars = "request_chars"
        case responseChars = "response_chars"
        case contentBlocks = "content_blocks"
        case remoteAddr = "remote_addr"
        case userAgent = "user_agent"
        case traceID = "trace_id"
    }
}

/// The captured request and response of a tool call (`audit.audit_payloads`), each part
/// bounded by the gateway's `max_payload_bytes` with a truncation flag.
public struct AuditPayload: Codable, Sendable, Equatable {
    public var jsonrpcMethod: String?
    /// JSON text of the (redacted) request params.
    public var requestParams: String?
    public var requestSizeBytes: Int?
    public var requestTruncated: Bool
    /// JSON text: header name → list of values, credentials redacted.
    public var requestHeaders: String?
    public var requestRemoteAddr: String?
    /// JSON text of the result, or `nil`.
    public var responseResult: String?
    /// JSON text of the JSON-RPC error, or `nil`.
    public var responseError: String?
    public var responseSizeBytes: Int?
    public var responseTruncated: Bool
    /// JSON text: `[{ts, method, params}]`.
    public var notifications: String?
    public var notificationsTruncated: Bool
    public var replayedFrom: UUID?

    public init(
        jsonrpcMethod: String? = "tools/call", requestParams: String? = nil, requestSizeBytes: Int? = nil, requestTruncated: Bool = false,
        requestHeaders: String? = nil, requestRemoteAddr: String? = nil, responseResult: String? = nil, responseError: String? = nil,
        responseSizeBytes: Int? = nil, responseTruncated: Bool = false, notifications: String? = nil, notificationsTruncated: Bool = false,
        replayedFrom: UUID? = nil
    ) {
        self.jsonrpcMethod = jsonrpcMethod
        self.requestParams = requestParams
        self.requestSizeBytes = requestSizeBytes
        self.requestTruncated = requestTruncated
        self.requestHeaders = requestHeaders
        self.requestRemoteAddr = requestRemoteAddr
        self.responseResult = responseResult
        self.responseError = responseError
        self.responseSizeBytes = responseSizeBytes
        self.responseTruncated = responseTruncated
        self.notifications = notifications
        self.notificationsTruncated = notificationsTruncated
        self.replayedFrom = replayedFrom
    }

    enum CodingKeys: String, CodingKey {
        case notifications
        case jsonrpcMethod = "jsonrpc_method"
        case requestParams = "request_params"
        case requestSizeBytes = "request_size_bytes"
        case requestTruncated = "request_truncated"
        case requestHeaders = "request_headers"
        case requestRemoteAddr = "request_remote_addr"
        case responseResult = "response_result"
        case responseError = "response_error"
        case responseSizeBytes = "response_size_bytes"
        case responseTruncated = "response_truncated"
        case notificationsTruncated = "notifications_truncated"
        case replayedFrom = "replayed_from"
    }
}
