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

    @Test func constantTimeComparison() {
        #expect(ConstantTime.equals(Array("secret-token".utf8), Array("secret-token".utf8)))
        #expect(!ConstantTime.equals(Array("secret-token".utf8), Array("secret-tokeN".utf8)))
        #expect(!ConstantTime.equals(Array("secret".utf8), Array("secret-token".utf8)))
        #expect(!ConstantTime.equals([], Array("x".utf8)))
    }
}
