// A wait that something else can cut short: the scheduler sleeps until its next round, and a run
// that ends (freeing a slot for a waiting run) wakes it at once instead of a poll later.
import Synchronization

/// A timed wait that ``signal()`` ends early. A signal while nobody waits ends the next wait at once.
final class Wakeup: Sendable {
    private struct State {
        var signalled = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Ends the current wait, or the next one when none is under way.
    func signal() {
        let waiter = state.withLock { state in
            guard let waiter = state.waiter else {
                state.signalled = true
                return CheckedContinuation<Void, Never>?.none
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Waits `milliseconds`, less when signalled or cancelled.
    func wait(milliseconds: Int64) async {
        let timer = Task { [self] in
            try? await Task.sleep(for: .milliseconds(milliseconds))
            if !Task.isCancelled { signal() }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state in
                    if state.signalled || Task.isCancelled {
                        state.signalled = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
        timer.cancel()
        // A signal that came between the end of this wait and the timer's cancellation is not kept:
        // the round that follows does what it was for.
        state.withLock { $0.signalled = false }
    }
}
