// A chunk's two stages overlap and stay bounded: the source is asked for the next page while the
// writer works on the one before, never more than one page ahead of it; a writer's error stops the
// source within a page and is what the run sees; a source's error reaches the run as it was.
import DatabricksSQL
import Foundation
import Synchronization
import Testing

@testable import Ingestion

@Suite("Page pipeline")
struct PagePipelineTests {
    /// What happened, in order: the source handing out page k, the writer starting and ending it.
    enum Event: Equatable {
        case fetched(Int)
        case writeStarted(Int)
        case writeEnded(Int)
    }

    final class Journal: Sendable {
        let events = Mutex<[Event]>([])
        func note(_ event: Event) { events.withLock { $0.append(event) } }
        func position(of event: Event) -> Int? { events.withLock { $0.firstIndex(of: event) } }
        var fetchedPages: [Int] { events.withLock { $0.compactMap { if case .fetched(let page) = $0 { page } else { nil } } } }
    }

    /// `count` pages of one row each (the row holds the page's number); fails at `failing` if given.
    struct Pages: AsyncSequence, Sendable {
        let count: Int
        let journal: Journal
        var failing: Int?

        struct AsyncIterator: AsyncIteratorProtocol {
            var next = 0
            let pages: Pages
            mutating func next() async throws(DatabricksSQLError) -> ResultBatch? {
                guard next < pages.count else { return nil }
                defer { next += 1 }
                if next == pages.failing { throw DatabricksSQLError(.connection, "the source went away at page \(next)") }
                pages.journal.note(.fetched(next))
                return ResultBatch(
                    schema: [ColumnDescriptor(name: "page", type: .bigint, position: 1)],
                    columns: [ColumnValues(storage: .int64([Int64(next)]), nulls: NullBitmap(bytes: []))],
                    startRowOffset: Int64(next)
                )
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pages: self) }
    }

    struct WriterFailure: Error, Equatable {}

    static func page(_ batch: ResultBatch) -> Int {
        if case .int64(let values) = batch.columns[0].storage { Int(values[0]) } else { -1 }
    }

    @Test func theNextPageIsFetchedWhileOneIsWrittenAndNeverTwoAhead() async throws {
        let journal = Journal()
        let pages = 12
        let written = try await PagePipeline.run(Pages(count: pages, journal: journal), into: [Int]()) { written, batch in
            let page = Self.page(batch)
            journal.note(.writeStarted(page))
            if page == 0 {
                // The first page is written until the source has handed out the second (a bound, not a
                // wait that passes by chance; a sleep, so no thread the source needs is held).
                let deadline = ContinuousClock.now + .seconds(30)
                while journal.position(of: .fetched(1)) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
            }
            written.append(page)
            journal.note(.writeEnded(page))
        }
        #expect(written == Array(0..<pages), "every page once, in order")
        let fetchedSecond = try #require(journal.position(of: .fetched(1)))
        #expect(fetchedSecond < (journal.position(of: .writeEnded(0)) ?? 0), "the second page was fetched while the first was written")
        for page in 0..<(pages - 2) {
            // Page k + 2 is fetched only once the writer has taken page k + 1, after it ended page k.
            let ahead = try #require(journal.position(of: .fetched(page + 2)))
            #expect(ahead > (journal.position(of: .writeEnded(page)) ?? .max), "page \(page + 2) was fetched before page \(page) was written")
        }
    }

    @Test func aWriterErrorStopsTheSourceWithinAPageAndIsThrown() async throws {
        let journal = Journal()
        await #expect(throws: WriterFailure.self) {
            _ = try await PagePipeline.run(Pages(count: 1000, journal: journal), into: 0) { _, batch in
                if Self.page(batch) == 2 { throw WriterFailure() }
            }
        }
        #expect((journal.fetchedPages.max() ?? 0) <= 3, "the source stopped: \(journal.fetchedPages)")
    }

    @Test func aSourceErrorReachesTheRunAsItWasAfterThePagesBeforeIt() async throws {
        let journal = Journal()
        let written = Mutex<[Int]>([])
        await #expect(throws: DatabricksSQLError(.connection, "the source went away at page 5")) {
            _ = try await PagePipeline.run(Pages(count: 10, journal: journal, failing: 5), into: 0) { _, batch in
                written.withLock { $0.append(Self.page(batch)) }
            }
        }
        #expect(written.withLock { $0 } == [0, 1, 2, 3, 4])
    }
}
