import Testing
import TollgateCore

/// Query strings read and written the way browsers and httpx encode forms.
@Suite struct FormQueryTests {
    @Test func plusIsASpaceAndEscapesAreDecoded() {
        let query = FormQuery("q=disk+full&tool=a%2Bb&empty=&flag&q=last")
        #expect(query.get("tool") == "a+b")
        #expect(query.get("empty") == "")
        #expect(query.get("flag") == "")
        #expect(query.get("q") == "last")
        #expect(query.pairs.first?.value == "disk full")
    }

    @Test func encodedPairsReadBackUnchanged() {
        let pairs = [("from", "2026-11-23T12:00:00.000+01:00"), ("q", "disk full & more=yes"), ("param.a b", "ü/?#")]
        let encoded = FormQuery.encode(pairs)
        #expect(!encoded.contains("+"))
        let decoded = FormQuery(encoded).pairs
        #expect(decoded.map(\.key) == pairs.map(\.0))
        #expect(decoded.map(\.value) == pairs.map(\.1))
    }
}
