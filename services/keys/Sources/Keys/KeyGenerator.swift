import SharedProto

/// Random key ids and secrets from the system CSPRNG (`getrandom` on Linux).
enum KeyGenerator {
    /// 64 random bits as 16 hex characters.
    static func id() -> String {
        hex(byteCount: APIKeyFormat.idLength / 2)
    }

    /// 256 random bits as 64 hex characters (bcrypt reads up to 72 bytes, so all of it counts).
    static func secret() -> String {
        hex(byteCount: APIKeyFormat.secretLength / 2)
    }

    private static func hex(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(byteCount * 2)
        for _ in 0..<byteCount {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
