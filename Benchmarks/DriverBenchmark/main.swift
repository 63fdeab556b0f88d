// Fetches a whole table through the Swift driver and prints rows/s and peak memory, for
// Benchmarks/driver/run.sh. Every value is touched, as a client that uses the rows would.
import DatabricksSQL
import Foundation

@main
struct DriverBenchmark {
    static func main() async {
        do {
            try await run()
        } catch {
            FileHandle.standardError.write(Data("driver-benchmark: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3, let url = URL(string: arguments[1]) else {
            print("usage: driver-benchmark <spark-thrift-url> <table> [batch-size]")
            exit(2)
        }
        let options = arguments.count > 3 ? StatementOptions(batchSize: Int(arguments[3]) ?? 50_000) : StatementOptions()
        let table = arguments[2]
        let client = DatabricksSQLClient(endpoint: try .sparkThriftServer(url: url, username: "bench", password: "x"))
        let started = ContinuousClock.now
        let (rows, checksum) = try await client.withSession { session in
            var rows = 0
            var checksum = 0
            for try await batch in try await session.execute("SELECT * FROM \(table)", options: options) {
                for column in batch.columns {
                    switch column.storage {
                    case .int32(let values): checksum &+= values.reduce(0) { $0 &+ Int($1) }
                    case .int64(let values): checksum &+= values.reduce(0) { $0 &+ Int($1) }
                    case .double(let values): checksum &+= values.reduce(0) { $0 &+ Int($1.bitPattern & 0xFF) }
                    case .string(let values): checksum &+= values.reduce(0) { $0 &+ $1.utf8.count }
                    default: break
                    }
                }
                for row in 0..<batch.rowCount {
                    for index in batch.columns.indices {
                        if case .null = batch.value(row: row, column: index) { checksum &+= 1 }
                    }
                }
                rows += batch.rowCount
            }
            return (rows, checksum)
        }
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        print("swift rows=\(rows) seconds=\(String(format: "%.2f", seconds)) rows_per_s=\(Int(Double(rows) / seconds)) peak_rss_mib=\(peakResidentMiB()) checksum=\(checksum)")
    }

    static func peakResidentMiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}
