/// Secret comparison whose duration does not depend on where the inputs differ, so a
/// secret cannot be guessed byte by byte from response times.
public enum ConstantTime {
    /// Compares in time that depends only on the lengths.
    public static func equals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
