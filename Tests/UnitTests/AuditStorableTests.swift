import Foundation
import NIOCore
import SharedProto
import Testing

@testable import Audit

/// Postgres refuses U+0000 in text and jsonb: what the audit store writes instead.
@Suite struct AuditStorableTests {
    @Test func textNULBecomesTheReplacementCharacter() {
        #expect(NULReplacement.text("a\u{0}b\u{0}") == "a\u{FFFD}b\u{FFFD}")
        #expect(NULReplacement.text("plain") == "plain")
        #expect(NULReplacement.text(nil) == nil)
    }

    @Test func jsonNULEscapesAreReplacedAndEscapedBackslashesKept() {
        #expect(NULReplacement.json(#"{"a":"x\u0000y","b\u0000":[1.0]}"#) == #"{"a":"x\ufffdy","b\ufffd":[1.0]}"#)
        // `\\u0000` is a backslash followed by the text u0000: no NUL, nothing to replace.
        #expect(NULReplacement.json(#"{"a":"\\u0000","b":"\\\u0000"}"#) == #"{"a":"\\u0000","b":"\\\ufffd"}"#)
        #expect(NULReplacement.json(#"{"a":"\u00001"}"#) == #"{"a":"\ufffd1"}"#)
    }

    @Test func storableEventHasNoNULLeft() {
        var event = AuditEvent(timestamp: Date(), durationMs: 1, toolName: "echo\u{0}", success: false)
        event.parameters = #"{"m":"\u0000"}"#
        event.errorMessage = "e\u{0}"
        event.payload = AuditPayload(requestParams: #"{"m":"\u0000"}"#, responseError: #"{"message":"\u0000"}"#)
        let storable = event.storable
        #expect(storable.toolName == "echo\u{FFFD}")
        #expect(storable.parameters == #"{"m":"\ufffd"}"#)
        #expect(storable.errorMessage == "e\u{FFFD}")
        #expect(storable.payload?.requestParams == #"{"m":"\ufffd"}"#)
        #expect(storable.payload?.responseError == #"{"message":"\ufffd"}"#)
        #expect(storable.id == event.id && storable.timestamp == event.timestamp)
    }

    @Test func chainHexIsLowerCaseAndRoundTrips() {
        let bytes = (0...255).map { UInt8($0) }
        let hex = ChainLink.hex(bytes)
        #expect(hex.hasPrefix("000102030405060708090a0b") && hex.hasSuffix("fdfeff") && hex.count == 512)
        #expect(ChainLink.bytes(hex: hex) == bytes)
        #expect(ChainLink.hex([]) == "")
    }

    @Test func copyTextEscapesEverySeparator() throws {
        var rows = CopyTextWriter(capacity: 64)
        rows.text("a\tb\nc\rd\\e")
        rows.null()
        rows.text(nil)
        rows.integer(-42)
        rows.bool(true)
        try rows.timestamp(Date(timeIntervalSince1970: 946_684_800 - 0.0000015))
        rows.endRow()
        let expected = #"a\tb\nc\rd\\e"# + "\t" + #"\N"# + "\t" + #"\N"# + "\t-42\tt\t1999-12-31 23:59:59.999999+00\n"
        #expect(String(buffer: rows.buffer) == expected)
        // The text up to the second is reused within a second, and only there; integers at their bounds.
        var times = CopyTextWriter(capacity: 64)
        for seconds in [-1.5, -1.25, -0.5, 0, 1_790_000_000.25, 1_790_000_000.75, 1_790_000_001] { try times.timestamp(Date(timeIntervalSince1970: seconds)) }
        times.integer(Int64.min)
        times.integer(0)
        times.integer(Int64.max)
        times.endRow()
        let stamps = [
            "1969-12-31 23:59:58.500000+00", "1969-12-31 23:59:58.750000+00", "1969-12-31 23:59:59.500000+00", "1970-01-01 00:00:00.000000+00",
            "2026-09-21 14:13:20.250000+00", "2026-09-21 14:13:20.750000+00", "2026-09-21 14:13:21.000000+00",
        ]
        #expect(String(buffer: times.buffer) == (stamps + ["-9223372036854775808", "0", "9223372036854775807"]).joined(separator: "\t") + "\n")
        #expect(throws: CopyTextError.self) { try rows.timestamp(Date(timeIntervalSince1970: 1e13)) }
        #expect(throws: CopyTextError.self) { try rows.timestamp(Date(timeIntervalSince1970: .infinity)) }
    }
}
