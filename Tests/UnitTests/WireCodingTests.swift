import Foundation
import SharedProto
import Testing
import TollgateCore

@Suite struct WireCodingTests {
    @Test func datesRoundTripAsRFC3339() throws {
        let info = APIKeyInfo(
            id: "0123456789abcdef", name: "n", description: nil, createdBy: nil,
            createdAt: Date(timeIntervalSince1970: 1_790_000_000.123), expiresAt: nil, lastUsedAt: nil,
            scopes: [], allowedTools: ["a/*"], revokedAt: nil
        )
        let data = try WireCoding.encoder().encode(info)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""created_at":"2026-09-21T"#))
        #expect(text.contains(#""allowed_tools":["a/*"]"#))
        let back = try WireCoding.decoder().decode(APIKeyInfo.self, from: data)
        #expect(abs(back.createdAt.timeIntervalSince(info.createdAt)) < 0.001)
    }

    @Test func acceptsDatesWithAndWithoutFractions() {
        #expect(WireCoding.parseDate("2026-11-21T10:00:00Z") != nil)
        #expect(WireCoding.parseDate("2026-11-21T10:00:00.5Z") != nil)
        #expect(WireCoding.parseDate("yesterday") == nil)
    }

    @Test func formatsDatesAsUTCWithMillisecondsCut() {
        #expect(WireCoding.formatDate(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(WireCoding.formatDate(Date(timeIntervalSince1970: 1_790_000_000.1239)) == "2026-09-21T14:13:20.123Z")
        // The last millisecond of a day stays in that day.
        #expect(WireCoding.formatDate(Date(timeIntervalSince1970: 86_399.9999)) == "1970-01-01T23:59:59.999Z")
        #expect(WireCoding.formatDate(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        #expect(WireCoding.formatDate(Date(timeIntervalSince1970: 253_402_300_799)) == "9999-12-31T23:59:59.000Z")
        for seconds in stride(from: -1e10, through: 2e11, by: 3.7e9) {
            let date = Date(timeIntervalSince1970: seconds.rounded(.down) + 0.25)
            #expect(WireCoding.parseDate(WireCoding.formatDate(date)) == date)
        }
        // Out of the 4-digit years: Foundation's own style, never a trap.
        #expect(!WireCoding.formatDate(Date(timeIntervalSince1970: 1e15)).isEmpty)
        #expect(!WireCoding.formatDate(Date(timeIntervalSince1970: -1e15)).isEmpty)
    }

    @Test func splitsTicksIntoUTCFieldsWithAFlooredFraction() {
        #expect(UTCFields(ticks: 0, scale: 1000) == UTCFields(ticks: 0, scale: 1_000_000))
        let before = UTCFields(ticks: -1, scale: 1_000_000)  // one microsecond before 1970
        #expect(before?.year == 1969 && before?.month == 12 && before?.day == 31 && before?.second == 59 && before?.fraction == 999_999)
        let leap = UTCFields(ticks: 951_782_400_123, scale: 1000)  // 2000-02-29T00:00:00.123Z
        #expect(leap?.year == 2000 && leap?.month == 2 && leap?.day == 29 && leap?.hour == 0 && leap?.fraction == 123)
        #expect(UTCFields(ticks: 253_402_300_799, scale: 1)?.year == 9999)
        #expect(UTCFields(ticks: 253_402_300_800, scale: 1) == nil)  // year 10000
        #expect(UTCFields(ticks: -62_135_596_800, scale: 1)?.year == 1)
        #expect(UTCFields(ticks: -62_135_596_801, scale: 1) == nil)  // 1 BC
        var written: [UInt8] = []
        UTCFields.digits(7, width: 4) { written.append($0) }
        #expect(written == Array("0007".utf8))
    }

    @Test func constantTimeComparison() {
        #expect(ConstantTime.equals(Array("secret-token".utf8), Array("secret-token".utf8)))
        #expect(!ConstantTime.equals(Array("secret-token".utf8), Array("secret-tokeN".utf8)))
        #expect(!ConstantTime.equals(Array("secret".utf8), Array("secret-token".utf8)))
        #expect(!ConstantTime.equals([], Array("x".utf8)))
    }
}
