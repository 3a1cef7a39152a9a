import Foundation
import SharedProto
import Testing

@testable import Audit

/// The audit consumer's own reader of the stream's JSON gives what Codable gives, and refuses
/// what Codable refuses.
@Suite struct AuditEventWireTests {
    static let full = AuditEvent(
        id: UUID(), timestamp: Date(timeIntervalSince1970: 1_790_000_000.125), durationMs: 12, requestID: "r-1", sessionID: "s\n1",
        userSubject: "apikey:k", userEmail: "a@b.c", authType: "apikey", apiKeyName: "k", toolName: "echo", toolGroup: "identity",
        parameters: #"{"message":"hi \"there\"\n","n":1.0}"#, success: false, errorMessage: "bad\tthing", errorCategory: "tool",
        requestChars: 40, responseChars: 2, contentBlocks: 1, transport: "http", source: "mcp", remoteAddr: "127.0.0.1",
        userAgent: "ua/1 \u{1F600}", traceID: "0af7651916cd43dd8448eb211c80319c",
        payload: AuditPayload(
            requestParams: #"{"a":1}"#, requestSizeBytes: 7, requestTruncated: true, requestHeaders: #"{"x":["y"]}"#, requestRemoteAddr: "::1",
            responseResult: nil, responseError: #"{"code":-32602,"message":"m"}"#, responseSizeBytes: 30, responseTruncated: false,
            notifications: "[]", notificationsTruncated: true, replayedFrom: UUID()
        )
    )

    @Test func decodesWhatTheGatewayWrites() throws {
        for event in [Self.full, AuditEvent(timestamp: Date(timeIntervalSince1970: 1_790_000_000), durationMs: 0, toolName: "auth", success: false)] {
            let bytes = Array(try WireCoding.encoder().encode(event))
            let decoded = try AuditEventWire.decode(bytes)
            #expect(decoded == (try WireCoding.decoder().decode(AuditEvent.self, from: Data(bytes))))
            #expect(decoded.id == event.id && decoded.toolName == event.toolName && decoded.payload == event.payload)
        }
    }

    @Test func nullsAndUnknownKeysAreAcceptedAsCodableDoes() throws {
        let text = #"{"id":"6B0B6B64-0D8A-4C53-9A43-2C8E2F0A4F11","timestamp":"2026-11-30T10:00:00+01:00","duration_ms":5.0,"tool_name":"t","#
            + #""success":true,"transport":"http","source":"mcp","user_email":null,"payload":null,"future_field":{"x":[1]}}"#
        let decoded = try AuditEventWire.decode(Array(text.utf8))
        #expect(decoded == (try WireCoding.decoder().decode(AuditEvent.self, from: Data(text.utf8))))
        #expect(decoded.durationMs == 5 && decoded.userEmail == nil && decoded.payload == nil)
        #expect(decoded.timestamp == Date(timeIntervalSince1970: 1_796_029_200))
    }

    @Test func refusesWhatCodableRefuses() {
        let base: [String: String] = [
            "id": #""6B0B6B64-0D8A-4C53-9A43-2C8E2F0A4F11""#, "timestamp": #""2026-11-30T10:00:00Z""#, "duration_ms": "5", "tool_name": #""t""#,
            "success": "true", "transport": #""http""#, "source": #""mcp""#,
        ]
        func text(_ fields: [String: String]) -> [UInt8] {
            Array(("{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}").utf8)
        }
        #expect((try? AuditEventWire.decode(text(base))) != nil)
        var cases: [[String: String]] = []
        for key in base.keys {
            var missing = base
            missing[key] = nil
            cases.append(missing)
            var null = base
            null[key] = "null"
            cases.append(null)
        }
        for (key, value) in [
            ("id", #""not-a-uuid""#), ("timestamp", #""yesterday""#), ("duration_ms", "1.5"), ("duration_ms", #""5""#), ("success", "1"),
            ("tool_name", "7"), ("request_chars", "1e400"), ("user_email", "false"), ("payload", "[]"), ("payload", #"{"request_truncated":true}"#),
        ] {
            var wrong = base
            wrong[key] = value
            cases.append(wrong)
        }
        for fields in cases {
            let bytes = text(fields)
            #expect(throws: AuditEventWire.DecodeError.self, "\(String(decoding: bytes, as: UTF8.self))") { try AuditEventWire.decode(bytes) }
            #expect((try? WireCoding.decoder().decode(AuditEvent.self, from: Data(bytes))) == nil)
        }
        for hostile in ["", "[", #"{"id":"#, String(repeating: "[", count: 10_000), "\u{FF}"] {
            #expect(throws: AuditEventWire.DecodeError.self) { try AuditEventWire.decode(Array(hostile.utf8)) }
        }
    }
}

extension AuditEventWireTests {
    @Test func announcementsDecodeAsTheEventsWithoutPayloads() throws {
        let events = [Self.full, AuditEvent(timestamp: Date(timeIntervalSince1970: 1_790_000_000), durationMs: 0, toolName: "a\"\\\u{1}\u{2028}", success: true)]
        let text = String(decoding: AuditEventWire.summaries(events), as: UTF8.self)
        let decoded = try WireCoding.decoder().decode([AuditEvent].self, from: Data(text.utf8))
        let expected = events.map { event -> AuditEvent in
            var summary = event
            summary.payload = nil
            return summary
        }
        #expect(decoded == expected)
        #expect(!text.contains("payload") && !text.contains("user_email\":null"))
        #expect(AuditEventWire.summaries([]) == Array("[]".utf8))
    }

    @Test func repeatedKeysKeepTheLastAndEscapesAreRead() throws {
        let text = #"{"id":"6B0B6B64-0D8A-4C53-9A43-2C8E2F0A4F11","timestamp":"2026-11-30T10:00:00Z","duration_ms":5,"tool_name":"first","#
            + #""success":true,"transport":"http","source":"mcp","tool_name":"\u0061\ud83d\ude00\n\/\"","unknown":[{"deep":[[[]]]},"s",-1.5e3,null],"#
            + #""payload":{"request_truncated":false,"response_truncated":true,"notifications_truncated":false,"extra":{}}}"#
        let decoded = try AuditEventWire.decode(Array(text.utf8))
        #expect(decoded.toolName == "a\u{1F600}\n/\"")
        #expect(decoded.payload == AuditPayload(jsonrpcMethod: nil, responseTruncated: true))
    }

    /// Hostile entries are refused with an error, never a crash or a partial event.
    @Test func hostileEntriesAreRefused() {
        let head = #"{"id":"6B0B6B64-0D8A-4C53-9A43-2C8E2F0A4F11","timestamp":"2026-11-30T10:00:00Z","duration_ms":5,"success":true,"transport":"http","source":"mcp","#
        let tails: [[UInt8]] = [
            Array(#""tool_name":"\ud800"}"#.utf8), Array(#""tool_name":"\udc00x"}"#.utf8), Array(#""tool_name":"\x"}"#.utf8),
            Array("\"tool_name\":\"a\tb\"}".utf8), Array(#""tool_name":""#.utf8) + [0xFF] + Array(#""}"#.utf8),
            Array(#""tool_name":"a" "b"}"#.utf8), Array(#""tool_name":"a",}"#.utf8), Array(#""tool_name":"a""#.utf8),
            Array((#""tool_name":"a","x":"# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}").utf8),
            Array(#""tool_name":"a","x":01}"#.utf8), Array(#""tool_name":"a","x":-}"#.utf8), Array(#""tool_name":"a","x":tru}"#.utf8),
        ]
        for tail in tails {
            let bytes = Array(head.utf8) + tail
            #expect(throws: AuditEventWire.DecodeError.self, "\(String(decoding: bytes, as: UTF8.self))") { try AuditEventWire.decode(bytes) }
        }
        // Many unknown keys are skipped in one pass.
        let many = (0..<50_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect((try? AuditEventWire.decode(Array((head + #""tool_name":"a","# + many + "}").utf8)))?.toolName == "a")
    }
}
