// Test helper for the crash test: opens a batch on a dataset of a lake, writes rows, says so on
// standard output, and waits to be killed (it never commits).
// Usage: lake-writer <lake root> <org> <sandbox> <dataset id> <rows>
import DataLake
import FlowModel
import Foundation
import Parquet

let arguments = CommandLine.arguments
guard arguments.count == 6, let rows = Int(arguments[5]) else {
    FileHandle.standardError.write(Data("usage: lake-writer ROOT ORG SANDBOX DATASET ROWS\n".utf8))
    exit(2)
}
let lake = try DataLake(root: URL(fileURLWithPath: arguments[1]))
let scope = TenantScope(orgId: arguments[2], sandboxName: arguments[3], sandboxId: "")
let batch = try lake.openBatch(on: arguments[4], in: scope, now: Int64(Date().timeIntervalSince1970 * 1000))
let range = 0..<rows
try batch.write([ParquetColumn(.int64(range.map { Int64($0) })), ParquetColumn(.string(range.map { "row \($0)" }))])
FileHandle.standardOutput.write(Data("written \(batch.record.id)\n".utf8))
while true { sleep(60) }
