/// The `requestState` the gateway hands a 2026-07-28 client for a bridged call:
/// `tgs-<replica>-<call>-<round>`. It names where the call waits (any replica can pass the
/// retry on), which call (128 random bits, only ever given to the caller that owns it, and
/// checked against that caller's identity) and which round, so a stale retry is refused.
struct BridgeState: Sendable, Equatable {
    var replica: String
    var call: String
    var round: Int

    var text: String { "tgs-\(replica)-\(call)-\(round)" }

    init(replica: String, call: String, round: Int) {
        self.replica = replica
        self.call = call
        self.round = round
    }

    /// Parses a state the gateway made; nil for anything else (an upstream's own state).
    init?(_ text: String) {
        guard text.utf8.count <= 80 else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "tgs", parts[1].utf8.count == 16, parts[2].utf8.count == 32,
            parts[1].utf8.allSatisfy(Self.isHex), parts[2].utf8.allSatisfy(Self.isHex),
            let round = Int(parts[3]), round > 0, round < 1000
        else { return nil }
        self.init(replica: String(parts[1]), call: String(parts[2]), round: round)
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }
}
