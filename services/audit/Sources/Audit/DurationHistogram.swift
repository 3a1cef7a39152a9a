/// Call durations counted in fixed buckets, so the rollups can answer percentiles without
/// the raw rows. Bucket `i` holds durations in `[bounds[i-1], bounds[i])` milliseconds (bucket 0
/// starts at 0, the last one has no upper end); consecutive bounds are at most 25% apart above
/// 10 ms, which bounds the error of an estimated percentile.
///
/// The same bucketing is written into migration 3 (`width_bucket` over `boundsSQL`), which
/// fills the rollups of events stored before it: never change `bounds` without a migration.
struct DurationHistogram: Equatable, Sendable {
    static let bounds: [Int64] = [
        1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300, 400, 500, 600, 800,
        1_000, 1_200, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 12_000, 15_000, 20_000, 25_000, 30_000,
        40_000, 50_000, 60_000, 80_000, 100_000, 120_000, 150_000, 200_000, 300_000, 600_000,
    ]
    static var bucketCount: Int { bounds.count + 1 }
    /// `bounds` as a Postgres array literal, for `width_bucket`.
    static var boundsSQL: String { "ARRAY[\(bounds.map(String.init).joined(separator: ","))]::bigint[]" }

    var counts: [Int64]

    init() { counts = Array(repeating: 0, count: Self.bucketCount) }

    /// Counts read back from Postgres; a shorter or longer array is padded or cut.
    init(counts: [Int64]) {
        self.counts = Array((counts + Array(repeating: 0, count: max(0, Self.bucketCount - counts.count))).prefix(Self.bucketCount))
    }

    /// The bucket of a duration: how many bounds are at or below it (as `width_bucket` counts).
    static func bucket(of milliseconds: Int64) -> Int {
        var low = 0
        var high = bounds.count
        while low < high {
            let middle = (low + high) / 2
            if bounds[middle] <= milliseconds { low = middle + 1 } else { high = middle }
        }
        return low
    }

    mutating func add(_ milliseconds: Int64) {
        counts[Self.bucket(of: milliseconds)] += 1
    }

    var total: Int64 { counts.reduce(0, +) }

    /// The `quantile` (0...1) estimated by interpolating inside its bucket; `nil` when empty.
    /// A quantile in the open-ended last bucket is reported as that bucket's lower bound.
    func percentile(_ quantile: Double) -> Double? {
        let total = self.total
        guard total > 0 else { return nil }
        let rank = quantile * Double(total)
        var below: Int64 = 0
        for (index, count) in counts.enumerated() where count > 0 {
            if Double(below + count) >= rank {
                let lower = index == 0 ? 0 : Double(Self.bounds[index - 1])
                guard index < Self.bounds.count else { return lower }
                let upper = Double(Self.bounds[index])
                let fraction = max(0, min(1, (rank - Double(below)) / Double(count)))
                return lower + (upper - lower) * fraction
            }
            below += count
        }
        return Self.bounds.last.map(Double.init)
    }
}
