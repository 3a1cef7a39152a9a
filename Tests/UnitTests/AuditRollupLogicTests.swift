import Foundation
import SharedProto
import Testing

@testable import Audit

/// The duration histogram's buckets and percentile estimates, the rollup rows of a batch, and
/// how a window is split between rollups and events.
@Suite struct AuditRollupLogicTests {
    @Test func bucketsCountTheBoundsAtOrBelow() {
        #expect(DurationHistogram.bucket(of: -5) == 0)
        #expect(DurationHistogram.bucket(of: 0) == 0)
        #expect(DurationHistogram.bucket(of: 1) == 1)
        #expect(DurationHistogram.bucket(of: 7) == 6)  // [6, 8)
        #expect(DurationHistogram.bucket(of: 600_000) == DurationHistogram.bounds.count)
        #expect(DurationHistogram.bucket(of: .max) == DurationHistogram.bounds.count)
        for value in Int64(0)...2_000 {
            let bucket = DurationHistogram.bucket(of: value)
            #expect(bucket == DurationHistogram.bounds.filter { $0 <= value }.count)
        }
    }

    @Test func percentilesAreWithinTheirBucket() throws {
        var histogram = DurationHistogram()
        for value in Int64(1)...1_000 { histogram.add(value) }
        let p50 = try #require(histogram.percentile(0.5))
        let p95 = try #require(histogram.percentile(0.95))
        #expect(abs(p50 - 500) <= 500 * 0.25 && abs(p95 - 950) <= 950 * 0.25, "\(p50) \(p95)")
        #expect(DurationHistogram().percentile(0.5) == nil)
        var slow = DurationHistogram()
        slow.add(10_000_000)
        #expect(slow.percentile(0.95) == 600_000)  // the open last bucket: its lower bound
        #expect(DurationHistogram(counts: [1, 2]).counts.count == DurationHistogram.bucketCount)
    }

    @Test func aBatchBecomesOneRowPerMinuteDimensionKeyAndOutcome() {
        let minute = Date(timeIntervalSince1970: 1_800_000_000)
        let events = [
            AuditEvent(timestamp: minute.addingTimeInterval(1), durationMs: 10, userSubject: "u", authType: "apikey", toolName: "a", success: true),
            AuditEvent(timestamp: minute.addingTimeInterval(59.9), durationMs: 30, userSubject: "u", authType: "apikey", toolName: "b", success: true),
            AuditEvent(timestamp: minute.addingTimeInterval(60), durationMs: 5, userSubject: nil, toolName: "a", success: false),
        ]
        let rollups = AuditRollups(events)
        let all = rollups.rows[.init(dim: "all", minute: 1_800_000_000, key: nil, success: true)]
        #expect(all?.calls == 2 && all?.durationSum == 40 && all?.histogram?.total == 2)
        #expect(rollups.rows[.init(dim: "tool", minute: 1_800_000_000, key: "a", success: true)]?.calls == 1)
        #expect(rollups.rows[.init(dim: "user", minute: 1_800_000_060, key: nil, success: false)]?.calls == 1)
        #expect(rollups.rows[.init(dim: "tool", minute: 1_800_000_000, key: "a", success: true)]?.histogram == nil)
        #expect(rollups.rows.count == 2 + 3 + 2 + 2)  // all ×2, tool ×3, user ×2, auth_type ×2
        #expect(AuditRollups([]).upsert == nil)
    }

    @Test func windowsSplitIntoWholeMinutesAndEdges() {
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        let window = RollupWindow(from: base.addingTimeInterval(10), to: base.addingTimeInterval(200))
        #expect(window.innerFrom == base.addingTimeInterval(60) && window.innerTo == base.addingTimeInterval(180))
        let aligned = RollupWindow(from: base, to: base.addingTimeInterval(120))
        #expect(aligned.innerFrom == base && aligned.innerTo == base.addingTimeInterval(120))
        let short = RollupWindow(from: base.addingTimeInterval(10), to: base.addingTimeInterval(70))
        #expect(short.innerFrom == short.innerTo)  // no whole minute: events only
        let reversed = RollupWindow(from: base.addingTimeInterval(100), to: base)
        #expect(reversed.to == reversed.from && reversed.innerFrom == reversed.innerTo)
    }
}
