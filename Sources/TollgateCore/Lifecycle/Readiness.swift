import Synchronization

/// Whether a service should receive traffic: `starting` until its start-up work (migrations)
/// is done, `ready` afterwards, `draining` from SIGTERM until it exits. `/readyz` reports it.
public final class Readiness: Sendable {
    public enum State: String, Sendable {
        case starting, ready, draining
    }

    private let value = Mutex(State.starting)

    public init() {}

    public var state: State { value.withLock { $0 } }

    public func markReady() {
        value.withLock { state in
            if state == .starting { state = .ready }
        }
    }

    public func markDraining() {
        value.withLock { $0 = .draining }
    }
}
