// Fetches a whole table through the Swift driver — HiveServer2 Thrift for an http(s) URL, Spark
// Connect for an sc:// address — and prints rows/s and peak memory, for Benchmarks/driver/run.sh and
// Benchmarks/connect/run.sh. Every value is touched, as a client that uses the rows would: as a
// typed `SQLValue` each, or (`arrow`, Spark Connect) read from the Arrow columns in place, as a
// columnar consumer reads them. As for the peers, the clock starts once the session is open (and,
// on Spark Connect, warmed with a one-row query, as the PySpark peer's is).
import Arrow
import DatabricksSQL
import Foundation
import SparkConnect

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
            print("usage: driver-benchmark <spark-thrift-url | sc://host:port> <table> [batch-size | arrow]")
            exit(2)
        }
        if arguments[1].hasPrefix("sc://") {
            return try await connect(arguments[1], table: arguments[2], columnar: arguments.count > 3 && arguments[3] == "arrow")
        }
        let options = arguments.count > 3 ? StatementOptions(batchSize: Int(arguments[3]) ?? 50_000) : StatementOptions()
        let table = arguments[2]
        let client = DatabricksSQLClient(endpoint: try .sparkThriftServer(url: url, username: "bench", password: "x"))
        let (rows, checksum, started) = try await client.withSession { session in
            let started = ContinuousClock.now
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
            return (rows, checksum, started)
        }
        report("swift", rows: rows, since: started, checksum: checksum)
    }

    /// The same fetch over Spark Connect: Arrow batches, every value read through the same accessor,
    /// or (`columnar`) from the Arrow columns in place.
    static func connect(_ address: String, table: String, columnar: Bool) async throws {
        let client = SparkConnectClient(endpoint: try .connectionString(address))
        let (rows, checksum, started) = try await client.withSession { session in
            _ = try await session.rows("SELECT 1")
            let started = ContinuousClock.now
            let (rows, checksum) = try await session.execute("SELECT * FROM \(table)") { result in
                var rows = 0
                var checksum = 0
                for try await batch in result {
                    rows += batch.rowCount
                    if columnar {
                        for column in batch.columns { checksum &+= columnSum(column) }
                        continue
                    }
                    for row in 0..<batch.rowCount {
                        for index in batch.columns.indices {
                            switch batch.value(row: row, column: index) {
                            case .null: checksum &+= 1
                            case .int32(let value): checksum &+= Int(value)
                            case .int64(let value): checksum &+= Int(value)
                            case .double(let value): checksum &+= Int(value.bitPattern & 0xFF)
                            case .string(let value): checksum &+= value.utf8.count
                            default: break
                            }
                        }
                    }
                }
                return (rows, checksum)
            }
            return (rows, checksum, started)
        }
        report(columnar ? "swift-connect-arrow" : "swift-connect", rows: rows, since: started, checksum: checksum)
    }

    /// Every value of an Arrow column read in place: nulls counted, integers, dates and timestamps
    /// summed, a byte of each double, the low word of each decimal, each string's length.
    static func columnSum(_ column: ColumnValues) -> Int {
        guard case .arrow(let array) = column.storage else { return 0 }
        var sum = 0
        let read: (Int) -> Int
        switch array.type {
        case .int, .date32, .timestamp: read = { Int(truncatingIfNeeded: array.int64($0)) }
        case .float32, .float64: read = { Int(array.double($0).bitPattern & 0xFF) }
        case .decimal: read = { Int(truncatingIfNeeded: array.decimal128($0).low) }
        case .utf8, .largeUtf8, .binary, .largeBinary: read = { array.bytes($0).count }
        default: read = { _ in 0 }
        }
        for row in 0..<array.length { sum &+= array.isNull(row) ? 1 : read(row) }
        return sum
    }

    static func report(_ name: String, rows: Int, since started: ContinuousClock.Instant, checksum: Int) {
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        print(
            "\(name) rows=\(rows) seconds=\(String(format: "%.2f", seconds)) rows_per_s=\(Int(Double(rows) / seconds)) peak_rss_mib=\(peakResidentMiB()) checksum=\(checksum)"
        )
    }

    static func peakResidentMiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}
