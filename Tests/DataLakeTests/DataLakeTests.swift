// The lake's promises: datasets per organization and sandbox, batches visible all at once or not
// at all, a commit repeated is a no-op, an interrupted batch leaves nothing visible and a later
// batch succeeds, schemas grow only by nullable fields.
import DataLake
import FlowModel
import Foundation
import Parquet
import Testing

struct Lake {
    var lake: DataLake
    let root: URL
    static let prod = TenantScope(orgId: "0123456789ABCDEF01234567@AdobeOrg", sandboxName: "prod", sandboxId: "s-prod")
    static let dev = TenantScope(orgId: "0123456789ABCDEF01234567@AdobeOrg", sandboxName: "dev", sandboxId: "s-dev")
    static let otherOrg = TenantScope(orgId: "FFFFFFFFFFFFFFFFFFFFFFFF@AdobeOrg", sandboxName: "prod", sandboxId: "s-other")

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lake-\(UUID().uuidString)")
        lake = try DataLake(root: root)
    }

    static let schema = try! DatasetSchema([
        DatasetField("id", .long, nullable: false), DatasetField("name", .string), DatasetField("amount", .decimal(precision: 12, scale: 2)),
        DatasetField("at", .dateTime),
    ])

    static func rows(_ range: Range<Int>) -> [ParquetColumn] {
        [
            ParquetColumn(.int64(range.map { Int64($0) })),
            ParquetColumn(.string(range.map { "name \($0)" }), nulls: range.map { $0 % 5 == 0 }),
            ParquetColumn(.int64(range.map { Int64($0) * 101 })),
            ParquetColumn(.int64(range.map { 1_700_000_000_000_000 + Int64($0) })),
        ]
    }

    /// The part files visible to readers of the dataset.
    func visibleFiles(_ dataset: Dataset, scope: TenantScope = prod) -> [String] {
        let batches = root.appendingPathComponent("\(scope.orgId)/\(scope.sandboxName)/\(dataset.id)/batches")
        return ((try? FileManager.default.subpathsOfDirectory(atPath: batches.path)) ?? []).filter { $0.hasSuffix(".parquet") }.sorted()
    }
}

@Suite("Data lake")
struct DataLakeTests {
    @Test func datasetsBelongToTheirOrganizationAndSandbox() throws {
        let lake = try Lake()
        let dataset = try lake.lake.createDataset(
            name: "orders",
            description: "from Databricks",
            schema: Lake.schema,
            schemaRef: nil,
            in: Lake.prod,
            now: 1
        )
        #expect(dataset.id.count == 24)
        #expect(try lake.lake.dataset(dataset.id, in: Lake.prod) == dataset)
        #expect(try lake.lake.dataset(dataset.id, in: Lake.dev) == nil)
        #expect(try lake.lake.dataset(dataset.id, in: Lake.otherOrg) == nil)
        #expect(try lake.lake.datasets(in: Lake.prod).map(\.id) == [dataset.id])
        #expect(try lake.lake.datasets(in: Lake.dev).isEmpty)
        #expect(throws: DataLakeError.self) { try lake.lake.openBatch(on: dataset.id, in: Lake.dev, now: 2) }
        for hostile in ["../../etc", "..", "", String(repeating: "a", count: 24) + "/..", "ABCDEF0123456789ABCDEF01"] {
            #expect(try lake.lake.dataset(hostile, in: Lake.prod) == nil)
        }
        #expect(try lake.lake.deleteDataset(dataset.id, in: Lake.dev) == false)
        #expect(try lake.lake.deleteDataset(dataset.id, in: Lake.prod) == true)
        #expect(try lake.lake.dataset(dataset.id, in: Lake.prod) == nil)
    }

    @Test func aCommittedBatchIsVisibleWholeAndACommitRepeatedIsANoOp() throws {
        var lake = try Lake()
        lake.lake.rowsPerFile = 1000
        let dataset = try lake.lake.createDataset(name: "orders", description: nil, schema: Lake.schema, schemaRef: nil, in: Lake.prod, now: 1)
        let batch = try lake.lake.openBatch(on: dataset.id, in: Lake.prod, now: 10)
        for start in stride(from: 0, to: 3500, by: 500) { try batch.write(Lake.rows(start..<(start + 500))) }
        #expect(lake.visibleFiles(dataset).isEmpty, "nothing is visible before the commit")
        #expect(try lake.lake.batch(batch.record.id, in: Lake.prod)?.status == .loading)

        let record = try batch.commit(now: 20)
        #expect(record.status == .success && record.rowCount == 3500 && record.files.count == 4)
        #expect(record.files.map(\.rowCount) == [1000, 1000, 1000, 500])
        #expect(record.byteCount == record.files.reduce(0) { $0 + $1.byteCount } && record.completed == 20)
        #expect(lake.visibleFiles(dataset) == (0..<4).map { "\(record.id)/part-0000\($0).parquet" })
        let readBack = try lake.visibleFiles(dataset).map {
            try ParquetFileInfo.read(path: lake.root.appendingPathComponent("\(Lake.prod.orgId)/prod/\(dataset.id)/batches/\($0)").path)
        }
        #expect(readBack.map(\.rowCount) == [1000, 1000, 1000, 500])
        #expect(readBack.first?.metadata["tributary.batch"] == record.id)

        #expect(try batch.commit(now: 30) == record, "a second commit changes nothing")
        #expect(try lake.lake.batch(record.id, in: Lake.prod) == record)
        #expect(try lake.lake.batches(in: Lake.prod, datasetId: dataset.id) == [record])
        #expect(throws: DataLakeError.self) { try batch.write(Lake.rows(0..<1)) }
    }

    @Test func aDatasetsFilesAreWrittenWithItsCodec() throws {
        let lake = try Lake()
        #expect(DataLake.defaultCompression == .zstd, "libzstd is on every Debian machine")
        for (codec, expected) in [
            (ParquetCompression?.none, ParquetCompression.zstd), (.gzip, .gzip), (.snappy, .snappy), (.uncompressed, .uncompressed),
        ] {
            let dataset = try lake.lake.createDataset(
                name: "orders",
                description: nil,
                schema: Lake.schema,
                schemaRef: nil,
                compression: codec,
                in: Lake.prod,
                now: 1
            )
            #expect(try lake.lake.dataset(dataset.id, in: Lake.prod)?.compression == codec, "the codec is kept in the dataset's record")
            let batch = try lake.lake.openBatch(on: dataset.id, in: Lake.prod, now: 10)
            try batch.write(Lake.rows(0..<300))
            _ = try batch.commit(now: 20)
            let files = lake.visibleFiles(dataset).map {
                lake.root.appendingPathComponent("\(Lake.prod.orgId)/prod/\(dataset.id)/batches/\($0)").path
            }
            #expect(files.count == 1)
            #expect(try files.map { try ParquetFileInfo.read(path: $0).codecs } == [[expected]], "\(String(describing: codec))")
        }
    }

    @Test func anAbortedBatchLeavesOnlyAFailedRecord() throws {
        let lake = try Lake()
        let dataset = try lake.lake.createDataset(name: "orders", description: nil, schema: Lake.schema, schemaRef: nil, in: Lake.prod, now: 1)
        let batch = try lake.lake.openBatch(on: dataset.id, in: Lake.prod, now: 10)
        try batch.write(Lake.rows(0..<100))
        let record = batch.abort(reason: "the source failed", now: 11)
        #expect(record.status == .failed && record.errors == ["the source failed"] && record.files.isEmpty)
        #expect(lake.visibleFiles(dataset).isEmpty)
        #expect(try lake.lake.batch(record.id, in: Lake.prod)?.status == .failed)
        #expect(throws: DataLakeError.self) { try batch.commit(now: 12) }
        let staging = lake.root.appendingPathComponent("\(Lake.prod.orgId)/prod/\(dataset.id)/_staging/\(record.id)")
        #expect(!FileManager.default.fileExists(atPath: staging.path))
    }

    @Test func rowsThatDoNotFitAreRefusedAndTheBatchGoesOn() throws {
        let lake = try Lake()
        let dataset = try lake.lake.createDataset(name: "orders", description: nil, schema: Lake.schema, schemaRef: nil, in: Lake.prod, now: 1)
        let batch = try lake.lake.openBatch(on: dataset.id, in: Lake.prod, now: 10)
        var bad = Lake.rows(0..<10)
        bad[0] = ParquetColumn(.int64(Array(repeating: 1, count: 10)), nulls: Array(repeating: true, count: 10))
        #expect(throws: DataLakeError.self) { try batch.write(bad) }
        #expect(throws: DataLakeError.self) { try batch.write(Array(Lake.rows(0..<10).prefix(3))) }
        try batch.write(Lake.rows(0..<10))
        #expect(try batch.commit(now: 11).rowCount == 10)
    }

    @Test func anInterruptedBatchLeavesNothingVisibleAndALaterBatchSucceeds() throws {
        let lake = try Lake()
        let dataset = try lake.lake.createDataset(name: "orders", description: nil, schema: Lake.schema, schemaRef: nil, in: Lake.prod, now: 1)
        // A writer mid-batch when its process stops: its staging folder and part file stay behind.
        let interrupted = try lake.lake.openBatch(on: dataset.id, in: Lake.prod, now: 10)
        try interrupted.write(Lake.rows(0..<5000))
        // The service starts again on the same folder.
        let restarted = try DataLake(root: lake.root)
        let recovered = try restarted.recoverInterruptedBatches(now: 20)
        #expect(recovered.map(\.id) == [interrupted.record.id] && recovered.first?.status == .failed)
        #expect(lake.visibleFiles(dataset).isEmpty)
        #expect(try restarted.batch(interrupted.record.id, in: Lake.prod)?.status == .failed)
        // The old writer cannot bring its rows back.
        #expect(throws: DataLakeError.self) { try interrupted.commit(now: 21) }
        #expect(lake.visibleFiles(dataset).isEmpty)
        // A later batch succeeds.
        let next = try restarted.openBatch(on: dataset.id, in: Lake.prod, now: 30)
        try next.write(Lake.rows(0..<10))
        let record = try next.commit(now: 31)
        #expect(lake.visibleFiles(dataset) == ["\(record.id)/part-00000.parquet"])
        #expect(try restarted.batches(in: Lake.prod).map(\.status) == [.success, .failed])
    }

    @Test func aSharedLakeFailsOnlyTheBatchesWhoseWriterStopped() throws {
        let lake = try Lake()
        let dataset = try lake.lake.createDataset(name: "orders", description: nil, schema: Lake.schema, schemaRef: nil, in: Lake.prod, now: 1)
        // Three writers of three instances: one gone (lease ended at 100), one alive (renewed to 400), one of a version without leases.
        let gone = try lake.lake.openBatch(on: dataset.id, in: Lake.prod, now: 10, lease: BatchLease(owner: "a-1", expiresAt: 100))
        try gone.write(Lake.rows(0..<10))
        let alive = try lake.lake.openBatch(on: dataset.id, in: Lake.prod, now: 10, lease: BatchLease(owner: "b-2", expiresAt: 100))
        try alive.write(Lake.rows(0..<10))
        try alive.renewLease(until: 400)
        #expect(alive.lease == BatchLease(owner: "b-2", expiresAt: 400))
        let unleased = try lake.lake.openBatch(on: dataset.id, in: Lake.prod, now: 10)
        // Another instance looks at 200, taking a batch without a lease as leased for 500 after its update.
        let other = try DataLake(root: lake.root)
        #expect(try other.recoverInterruptedBatches(now: 200, expiredOnly: true, unleasedFor: 500).map(\.id) == [gone.record.id])
        #expect(try other.batch(alive.record.id, in: Lake.prod)?.status == .loading)
        #expect(try other.batch(unleased.record.id, in: Lake.prod)?.status == .loading)
        // The live writer commits; later the unleased batch's time is up too.
        let committed = try alive.commit(now: 300)
        #expect(lake.visibleFiles(dataset) == ["\(committed.id)/part-00000.parquet"])
        #expect(try other.recoverInterruptedBatches(now: 600, expiredOnly: true, unleasedFor: 500).map(\.id) == [unleased.record.id])
        #expect(throws: DataLakeError.self) { try gone.commit(now: 601) }
        #expect(try other.batches(in: Lake.prod).filter { $0.status == .loading }.isEmpty)
    }

    @Test func schemasGrowOnlyByNullableFields() throws {
        let lake = try Lake()
        let dataset = try lake.lake.createDataset(name: "orders", description: nil, schema: Lake.schema, schemaRef: nil, in: Lake.prod, now: 1)
        let wider = try DatasetSchema(Lake.schema.fields + [DatasetField("note", .string)])
        let evolved = try lake.lake.evolveSchema(dataset.id, to: wider, in: Lake.prod, now: 2)
        #expect(evolved.schemaVersion == 2 && evolved.schema == wider)
        for refused in [
            try DatasetSchema(wider.fields + [DatasetField("required", .long, nullable: false)]),
            try DatasetSchema(Array(Lake.schema.fields.prefix(2))),
            try DatasetSchema([DatasetField("id", .int, nullable: false)] + Array(wider.fields.dropFirst())),
        ] {
            #expect(throws: DataLakeError.self) { try lake.lake.evolveSchema(dataset.id, to: refused, in: Lake.prod, now: 3) }
        }
        let batch = try lake.lake.openBatch(on: dataset.id, in: Lake.prod, now: 4)
        try batch.write(Lake.rows(0..<3) + [ParquetColumn(.string(["a", "b", "c"]))])
        #expect(try batch.commit(now: 5).schemaVersion == 2)
    }

    @Test func schemaDocumentsRoundTripAndBadOnesAreRefused() throws {
        let document = try JSONValue(
            parsing: Data(
                #"""
                {"fields": [{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false},
                            {"name": "small", "type": "integer", "meta:xdmType": "short"}, {"name": "n", "type": "number"},
                            {"name": "f", "type": "number", "meta:xdmType": "float"}, {"name": "price", "type": "decimal", "precision": 38, "scale": 10},
                            {"name": "day", "type": "string", "format": "date"}, {"name": "at", "type": "string", "format": "date-time"},
                            {"name": "flag", "type": "boolean"}, {"name": "raw", "type": "binary"}, {"name": "s", "type": "string"}]}
                """#.utf8
            )
        )
        let schema = try DatasetSchema(parsing: document)
        #expect(
            schema.fields.map(\.type) == [
                .long, .short, .double, .float, .decimal(precision: 38, scale: 10), .date, .dateTime, .boolean, .binary, .string,
            ]
        )
        #expect(try DatasetSchema(parsing: schema.document) == schema)
        for bad in [
            #"{"fields": []}"#, #"{"fields": [{"name": "a"}]}"#, #"{"fields": [{"name": "a", "type": "object"}]}"#,
            #"{"fields": [{"name": "a", "type": "integer", "meta:xdmType": "huge"}]}"#,
            #"{"fields": [{"name": "a", "type": "decimal", "precision": 39}]}"#,
            #"{"fields": [{"name": "a", "type": "string"}, {"name": "a", "type": "string"}]}"#,
            #"{"fields": [{"name": "a", "type": "string", "format": "uri"}]}"#,
            #"{"schema": []}"#,
        ] {
            #expect(throws: DataLakeError.self, "\(bad)") { try DatasetSchema(parsing: JSONValue(parsing: Data(bad.utf8))) }
        }
    }
}
