// A chunk's copy in two stages that overlap: the source's pages are fetched and decoded on one task
// while the page before is mapped and encoded on another. At most one decoded page waits between
// them — the source is held to the writer's pace, so memory stays bounded — and the slower stage,
// not the sum of both, sets a run's speed.
import AsyncAlgorithms
import Connectors
import DatabricksSQL

enum PagePipeline {
    /// Reads `pages` to their end, handing each to `consume` on a task of its own with the state it
    /// keeps; returns the state after the last page. An error in either stage stops both and is thrown.
    static func run<State: Sendable>(
        _ pages: SourceRows,
        into initial: State,
        _ consume: @escaping @Sendable (inout State, ResultBatch) async throws -> Void
    ) async throws -> State {
        let channel = AsyncThrowingChannel<ResultBatch, any Error>()
        return try await withThrowingTaskGroup(of: State?.self) { group in
            group.addTask {
                do {
                    for try await page in pages {
                        try Task.checkCancellation()
                        // Waits until the writer takes it, or the writer failed (the group is cancelled).
                        await channel.send(page)
                        try Task.checkCancellation()
                    }
                    channel.finish()
                } catch {
                    channel.fail(error)
                    throw error
                }
                return nil
            }
            group.addTask {
                var state = initial
                for try await page in channel {
                    try Task.checkCancellation()
                    try await consume(&state, page)
                }
                return state
            }
            var state: State?
            // The first error (the writer's, or the source's) cancels the other stage.
            while let finished = try await group.next() {
                if let finished { state = finished }
            }
            return state!
        }
    }
}
