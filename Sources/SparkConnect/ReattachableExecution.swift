// One statement's execution on a Spark Connect server, reattachable: ExecutePlan streams the
// result; when the stream ends before the result's end (the server closes a stream after
// `spark.connect.execute.reattachable.senderMaxStreamDuration`/`Size`) or the connection breaks,
// ReattachExecute resumes it after the last response taken, so no row is lost or repeated.
import AsyncAlgorithms
import DatabricksSQL
import Foundation
import GRPCCore
import Logging
import SparkConnectProtocol
import Synchronization

/// Streams one statement's rows into a channel the caller reads at its own pace.
final class ReattachableExecution: Sendable {
    let session: SparkConnectSession
    let plan: Spark_Connect_Plan
    /// The operation's id (the client chooses it, so a reattach can name it).
    let operation = UUID().uuidString.lowercased()
    /// Batches in order; `send` waits until the reader takes each (back-pressure to the server).
    let batches = AsyncThrowingChannel<ResultBatch, any Error>()
    let progress = Mutex(Progress())

    /// What has been taken from the server so far.
    struct Progress {
        /// The id of the last response handed on; a reattach resumes after it.
        var lastResponse: String?
        /// Responses handed on, in all streams.
        var responses = 0
        /// Rows handed on: the next batch's offset in the result.
        var rows: Int64 = 0
        /// Whether the server said the result is complete.
        var complete = false
        /// Streams opened: the ExecutePlan and every ReattachExecute.
        var streams = 0
    }

    init(session: SparkConnectSession, plan: Spark_Connect_Plan) {
        self.session = session
        self.plan = plan
    }

    /// How many responses pass between two `ReleaseExecute(until:)` (the server's reattach buffer).
    static let releaseEvery = 16

    /// Streams the result into ``batches`` until it is complete, failed, or the task is cancelled
    /// (then the operation is interrupted on the server).
    func run() async {
        var attempt = 0
        var executed = false
        while true {
            let before = progress.withLock { $0.responses }
            do {
                if executed {
                    try await reattach()
                } else {
                    // From here on the server may know the operation: a failure resumes it.
                    executed = true
                    try await execute()
                }
                if progress.withLock({ $0.complete }) { break }
                // The server ended this stream before the end of the result: resume. A stream that
                // brought nothing counts as a failed try.
                if progress.withLock({ $0.responses }) == before {
                    attempt += 1
                    guard attempt <= session.client.reattachAttempts else {
                        return await fail(DatabricksSQLError(.connection, "the server kept ending the result stream without sending anything"))
                    }
                } else {
                    attempt = 0
                }
            } catch {
                if Task.isCancelled { return await cancelled() }
                let driverError = SparkConnectErrors.driverError(error, endpoint: session.client.endpoint)
                // A reattach to an operation the server never heard of: the ExecutePlan that failed
                // never reached it.
                let neverStarted = progress.withLock { $0.responses } == 0 && SparkConnectErrors.isOperationNotFound(error)
                guard SparkConnectErrors.isResumable(error) || neverStarted, attempt < session.client.reattachAttempts else {
                    return await fail(driverError)
                }
                if neverStarted { executed = false }
                if progress.withLock({ $0.responses }) > before { attempt = 0 }
                attempt += 1
                session.client.logger.info(
                    "a Spark Connect result stream broke; resuming",
                    metadata: ["attempt": "\(attempt)", "error": "\(driverError)", "rows": "\(progress.withLock { $0.rows })"]
                )
                do {
                    try await Task.sleep(for: .milliseconds(min(5_000, 100 << min(attempt, 6))))
                } catch {
                    return await cancelled()
                }
            }
        }
        batches.finish()
        await releaseAll()
    }

    func execute() async throws {
        var request = Spark_Connect_ExecutePlanRequest()
        request.sessionID = session.id
        request.userContext = session.userContext
        request.clientType = SparkConnectSession.clientType
        request.operationID = operation
        request.plan = plan
        var reattach = Spark_Connect_ReattachOptions()
        reattach.reattachable = true
        var option = Spark_Connect_ExecutePlanRequest.RequestOption()
        option.reattachOptions = reattach
        request.requestOptions = [option]
        progress.withLock { $0.streams += 1 }
        try await session.service.executePlan(request, metadata: session.client.metadata, options: session.client.streamOptions) { response in
            try await self.take(response.messages)
        }
    }

    func reattach() async throws {
        var request = Spark_Connect_ReattachExecuteRequest()
        request.sessionID = session.id
        request.userContext = session.userContext
        request.clientType = SparkConnectSession.clientType
        request.operationID = operation
        if let last = progress.withLock({ $0.lastResponse }) { request.lastResponseID = last }
        progress.withLock { $0.streams += 1 }
        try await session.service.reattachExecute(request, metadata: session.client.metadata, options: session.client.streamOptions) { response in
            try await self.take(response.messages)
        }
    }

    /// Hands each response's rows on, in order, and notes it as taken only once handed on.
    func take(_ responses: RPCAsyncSequence<Spark_Connect_ExecutePlanResponse, any Error>) async throws {
        for try await response in responses {
            switch response.responseType {
            case .arrowBatch(let arrow):
                let offset = progress.withLock { $0.rows }
                if arrow.hasStartOffset, arrow.startOffset != offset {
                    throw DatabricksSQLError(.protocolViolation, "the server resumed the result at row \(arrow.startOffset), not at row \(offset)")
                }
                for batch in try ArrowBatches.resultBatches(arrow, startRowOffset: offset) {
                    await batches.send(batch)
                    try Task.checkCancellation()
                }
                progress.withLock { $0.rows += arrow.rowCount }
            case .resultComplete:
                progress.withLock { $0.complete = true }
            default:
                break
            }
            let responses = progress.withLock { progress in
                progress.lastResponse = response.responseID
                progress.responses += 1
                return progress.responses
            }
            if responses % Self.releaseEvery == 0 { await session.releaseExecute(operation: operation, until: response.responseID) }
        }
    }

    func fail(_ error: DatabricksSQLError) async {
        batches.fail(error)
        await releaseAll()
    }

    /// The reader stopped or the task was cancelled: the server stops the statement's jobs.
    func cancelled() async {
        batches.fail(DatabricksSQLError(.cancelled, "reading the result was cancelled"))
        let session = session
        let operation = operation
        // Not cancelled itself: the interrupt must reach the server.
        await Task {
            await session.interrupt(operation: operation)
            await session.releaseExecute(operation: operation, until: nil)
        }.value
    }

    func releaseAll() async {
        let session = session
        let operation = operation
        await Task { await session.releaseExecute(operation: operation, until: nil) }.value
    }
}
