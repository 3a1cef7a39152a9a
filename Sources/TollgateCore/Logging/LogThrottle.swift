import Synchronization

/// Lets a repeated warning through at most once per interval, counting what it held back,
/// so a dependency outage produces a few log lines instead of one per request.
public final class LogThrottle: Sendable {
    private let interval: Duration
    private let state = Mutex<(last: ContinuousClock.Instant?, suppressed: Int)>((nil, 0))

    public init(interval: Duration = .seconds(10)) {
        self.interval = interval
    }

    /// `nil` when this occurrence should not be logged; otherwise how many were suppressed since the last one.
    public func admit() -> Int? {
        state.withLock { state in
            let now = ContinuousClock.now
            if let last = state.last, now - last < interval {
                state.suppressed += 1
                return nil
            }
            defer { state = (now, 0) }
            return state.suppressed
        }
    }
}
