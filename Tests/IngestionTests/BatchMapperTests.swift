// Mapping source batches onto a dataset: renames, exact conversions, rows that do not convert
// left out and reported, and mapping sets that cannot work refused up front with the field named.
import DataLake
import DatabricksSQL
import FlowModel
import Foundation
import Ingestion
import Parquet
import Testing

@Suite("Batch mapper")
struct BatchMapperTests {
    static let dataset = try! DatasetSchema([
        DatasetField("customerId", .long, nullable: false), DatasetField("_acme.city", .string),
        DatasetField("total", .decimal(precision: 10, scale: 2)),
        DatasetField("joined", .dateTime), DatasetField("day", .date), DatasetField("active", .boolean), DatasetField("score", .float),
        DatasetField("unmapped", .string),
    ])

    static let mappings = [
        FieldMapping(source: "ID", destination: "customerId"), FieldMapping(source: "city", destination: "_acme.city"),
        FieldMapping(source: "amount", destination: "total"), FieldMapping(source: "joined_at", destination: "joined"),
        FieldMapping(source: "joined_at", destination: "day"), FieldMapping(source: "flag", destination: "active"),
        FieldMapping(source: "score", destination: "score"),
    ]

    static let sourceColumns: [(name: String, type: String)] = [
        ("id", "string"), ("city", "string"), ("amount", "decimal(12,3)"), ("joined_at", "timestamp"), ("flag", "string"), ("score", "int"),
    ]

    /// A source batch as the driver delivers it.
    static func batch() -> ResultBatch {
        let schema = [
            ColumnDescriptor(name: "id", type: .string, position: 1), ColumnDescriptor(name: "city", type: .string, position: 2),
            ColumnDescriptor(name: "amount", type: .decimal(precision: 12, scale: 3), position: 3),
            ColumnDescriptor(name: "joined_at", type: .timestamp, position: 4), ColumnDescriptor(name: "flag", type: .string, position: 5),
            ColumnDescriptor(name: "score", type: .int, position: 6),
        ]
        return ResultBatch(
            schema: schema,
            columns: [
                ColumnValues(storage: .string(["1", "2", "x", "4", "5"]), nulls: NullBitmap(bytes: [])),
                ColumnValues(storage: .string(["DDN", "", "BLR", "PNQ", "GOA"]), nulls: NullBitmap(bytes: [0b0000_0010])),
                ColumnValues(storage: .string(["12.500", "0.001", "1.000", "99999999.990", "-3.100"]), nulls: NullBitmap(bytes: [])),
                ColumnValues(
                    storage: .string([
                        "2024-01-02 03:04:05.000006", "1969-12-31 23:59:59", "2024-01-01 00:00:00", "2024-01-01 00:00:00", "2024-02-29 12:00:00",
                    ]),
                    nulls: NullBitmap(bytes: [])
                ),
                ColumnValues(storage: .string(["true", "FALSE", "true", "true", "yes"]), nulls: NullBitmap(bytes: [])),
                ColumnValues(storage: .int32([7, 8, 9, 10, 11]), nulls: NullBitmap(bytes: [0b0000_0001])),
            ],
            startRowOffset: 0
        )
    }

    @Test func rowsAreRenamedConvertedAndTheBadOnesReported() throws {
        let mapper = try BatchMapper(mappings: Self.mappings, dataset: Self.dataset, sourceColumns: Self.sourceColumns)
        let mapped = mapper.map(Self.batch())
        // Row 1: amount 0.001 does not fit scale 2. Row 2: id "x". Row 4: "yes" is not a boolean.
        #expect(mapped.rowCount == 2 && mapped.rejectedCount == 3)
        #expect(mapped.samples.map(\.row) == [1, 2, 4])
        #expect(mapped.samples.map(\.field) == ["total", "customerId", "active"])
        #expect(mapped.samples[1].message.contains("'x'"))
        #expect(mapped.columns.count == Self.dataset.fields.count)
        guard case .int64(let ids) = mapped.columns[0].values, case .string(let cities) = mapped.columns[1].values,
            case .decimal(let totals) = mapped.columns[2].values, case .int64(let joined) = mapped.columns[3].values,
            case .int32(let days) = mapped.columns[4].values, case .boolean(let active) = mapped.columns[5].values,
            case .float(let scores) = mapped.columns[6].values
        else {
            Issue.record("unexpected column types")
            return
        }
        #expect(ids == [1, 4] && cities == ["DDN", "PNQ"] && totals == [1250, 9_999_999_999])
        #expect(joined == [1_704_164_645_000_006, 1_704_067_200_000_000] && days == [19724, 19723] && active == [true, true])
        #expect(mapped.columns[6].nulls == [true, false] && scores[1] == 10)
        #expect(mapped.columns[7].nulls == [true, true], "an unmapped field is null")
    }

    @Test func mappedBatchesLandInTheDataset() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mapper-\(UUID().uuidString)")
        let lake = try DataLake(root: root)
        let scope = FlowModelScope.prod
        let dataset = try lake.createDataset(name: "customers", description: nil, schema: Self.dataset, schemaRef: nil, in: scope, now: 1)
        let mapper = try BatchMapper(mappings: Self.mappings, dataset: dataset.schema)
        let batch = try lake.openBatch(on: dataset.id, in: scope, now: 2)
        let mapped = mapper.map(Self.batch())
        try batch.write(mapped.columns)
        let record = try batch.commit(now: 3)
        #expect(record.rowCount == 2)
        let file = root.appendingPathComponent("\(scope.orgId)/prod/\(dataset.id)/batches/\(record.id)/part-00000.parquet")
        #expect(try ParquetFileInfo.read(path: file.path).columns.map(\.name) == Self.dataset.fields.map(\.name))
    }

    @Test func mappingSetsThatCannotWorkAreRefusedNamingTheField() {
        let cases: [([FieldMapping], String)] = [
            (Self.mappings + [FieldMapping(source: "city", destination: "_acme.nowhere")], "_acme.nowhere"),
            (Self.mappings + [FieldMapping(source: "city", destination: "customerId")], "customerId"),
            (Self.mappings.map { $0.source == "city" ? FieldMapping(source: "town", destination: $0.destination) : $0 }, "town"),
            (Array(Self.mappings.dropFirst()), "customerId"),
        ]
        for (mappings, field) in cases {
            #expect(throws: MappingError.self) { try BatchMapper(mappings: mappings, dataset: Self.dataset, sourceColumns: Self.sourceColumns) }
            do {
                _ = try BatchMapper(mappings: mappings, dataset: Self.dataset, sourceColumns: Self.sourceColumns)
            } catch {
                #expect(error.field == field)
            }
        }
        let binarySource: [(name: String, type: String)] = Self.sourceColumns.map { $0.name == "id" ? ("id", "binary") : $0 }
        do {
            _ = try BatchMapper(mappings: Self.mappings, dataset: Self.dataset, sourceColumns: binarySource)
            Issue.record("binary cannot become a long")
        } catch {
            #expect(error.field == "customerId" && error.message.contains("binary"))
        }
    }
}

enum FlowModelScope {
    static let prod = TenantScope(orgId: "0123456789ABCDEF01234567@AdobeOrg", sandboxName: "prod", sandboxId: "s")
}
