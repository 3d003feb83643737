import NIOConcurrencyHelpers

/// A one-way signal: `wait()` returns at once after `signal()`, and before it waits for it.
/// The database uses it so no connection is leased before its pool has been started.
final class RunningSignal: Sendable {
    private let state = NIOLockedValueBox(State())

    private struct State {
        var signalled = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    func signal() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.signalled = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        if state.withLockedValue({ $0.signalled }) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let signalled = state.withLockedValue { state -> Bool in
                if !state.signalled { state.waiters.append(continuation) }
                return state.signalled
            }
            if signalled { continuation.resume() }
        }
    }
}
