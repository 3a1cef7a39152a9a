/// The shape of a Tollgate API key: `mt_<id>_<secret>`, where `id` is 16 lowercase hex
/// characters (the row's primary key, so a key is found with one indexed lookup) and
/// `secret` is 64 lowercase hex characters (256 bits from a CSPRNG, verified with bcrypt).
public enum APIKeyFormat {
    public static let prefix = "mt_"
    public static let idLength = 16
    public static let secretLength = 64
    /// Presented credentials longer than this are refused before any other work.
    public static let maximumPresentedLength = 256

    /// Splits a presented key into id and secret, or `nil` when it is not of our shape.
    public static func parse(_ presented: String) -> (id: String, secret: String)? {
        let bytes = Array(presented.utf8)
        guard bytes.count == prefix.utf8.count + idLength + 1 + secretLength,
            presented.hasPrefix(prefix)
        else { return nil }
        let idStart = prefix.utf8.count
        let separator = idStart + idLength
        guard bytes[separator] == UInt8(ascii: "_") else { return nil }
        let id = bytes[idStart..<separator]
        let secret = bytes[(separator + 1)...]
        guard id.allSatisfy(isLowerHex), secret.allSatisfy(isLowerHex) else { return nil }
        return (String(decoding: id, as: UTF8.self), String(decoding: secret, as: UTF8.self))
    }

    /// Assembles a key from its parts.
    public static func format(id: String, secret: String) -> String {
        "\(prefix)\(id)_\(secret)"
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }
}
