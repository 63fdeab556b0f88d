// A mapping set at work: source column batches in, dataset column batches out. Each dataset field
// takes one source column (renamed and converted) or stays null; a row with a value that does not
// convert is left out and reported (counted, the first ones kept as samples), never a crash.
public import DataLake
public import DatabricksSQL
public import Parquet
public import FlowModel

/// One mapping: a source column to a dataset field.
public struct FieldMapping: Sendable, Hashable {
    /// The source column's name.
    public var source: String
    /// The dataset field's name (a nested XDM path such as `_acme.loyalty.tier` names the flattened
    /// field of that name).
    public var destination: String

    /// Creates a mapping.
    public init(source: String, destination: String) {
        self.source = source
        self.destination = destination
    }
}

extension FieldMapping {
    /// The mappings of a stored mapping set (`mappings: [{sourceAttribute, destinationXdmPath}]`).
    public static func mappings(ofMappingSet body: [String: JSONValue]) -> [FieldMapping] {
        (body["mappings"]?.arrayValue ?? []).compactMap { item in
            guard let source = item["sourceAttribute"]?.stringValue, let destination = item["destinationXdmPath"]?.stringValue else { return nil }
            return FieldMapping(source: source, destination: destination)
        }
    }
}

/// Why a mapping set cannot be used with a dataset (and source).
public struct MappingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field (destination path or source column) at fault.
    public var field: String
    /// What is wrong.
    public var message: String
    /// `field: message`.
    public var description: String { "\(field): \(message)" }
}

/// A row left out of a batch.
public struct RowError: Sendable, Hashable {
    /// The row's position in the source batch.
    public var row: Int
    /// The dataset field whose value did not convert.
    public var field: String
    /// Why.
    public var message: String
}

/// A mapped batch.
public struct MappedBatch: Sendable {
    /// One column per dataset field, ready for ``BatchWriter/write(_:)``.
    public var columns: [ParquetColumn]
    /// Rows kept.
    public var rowCount: Int
    /// Rows left out.
    public var rejectedCount: Int
    /// The first row errors (at most ``BatchMapper/maximumSamples``).
    public var samples: [RowError]
}

/// Maps source batches to a dataset's schema.
public struct BatchMapper: Sendable {
    /// The dataset's schema.
    public let dataset: DatasetSchema
    /// For each dataset field, the mapping's source column name (nil: always null).
    let sources: [String?]

    /// Row errors kept per batch as samples.
    public static let maximumSamples = 20

    /// Checks `mappings` against the dataset and, when known, the source's columns (name and Spark
    /// type): every destination is a dataset field mapped once, every source column exists and its
    /// type converts, every required field is mapped.
    public init(mappings: [FieldMapping], dataset: DatasetSchema, sourceColumns: [(name: String, type: String)]? = nil) throws(MappingError) {
        var byDestination: [String: String] = [:]
        for mapping in mappings {
            guard let field = dataset.fields.first(where: { $0.name == mapping.destination }) else {
                throw MappingError(field: mapping.destination, message: "is not a field of the dataset's schema")
            }
            guard byDestination[mapping.destination] == nil else { throw MappingError(field: mapping.destination, message: "is mapped more than once") }
            if let sourceColumns {
                guard let column = sourceColumns.first(where: { $0.name == mapping.source }) ?? sourceColumns.first(where: { $0.name.lowercased() == mapping.source.lowercased() }) else {
                    throw MappingError(field: mapping.source, message: "is not a column of the source")
                }
                guard ValueConversion.canConvert(sourceType: column.type, to: field.type) else {
                    throw MappingError(field: mapping.destination, message: "cannot take the source column '\(mapping.source)' of type \(column.type)")
                }
            }
            byDestination[mapping.destination] = mapping.source
        }
        for field in dataset.fields where !field.nullable && byDestination[field.name] == nil {
            throw MappingError(field: field.name, message: "is required by the dataset but no mapping fills it")
        }
        self.dataset = dataset
        self.sources = dataset.fields.map { byDestination[$0.name] }
    }

    /// The source columns the mappings read, each once.
    public var sourceColumnNames: [String] {
        var seen: Set<String> = []
        return sources.compactMap { $0 }.filter { seen.insert($0.lowercased()).inserted }
    }

    /// Maps one source batch.
    public func map(_ batch: ResultBatch) -> MappedBatch {
        let sourceIndex: [Int?] = sources.map { name in
            guard let name else { return nil }
            return batch.schema.firstIndex { $0.name == name } ?? batch.schema.firstIndex { $0.name.lowercased() == name.lowercased() }
        }
        var builders = dataset.fields.map { ColumnBuilder(type: $0.type, capacity: batch.rowCount) }
        var row: [FieldValue] = Array(repeating: .null, count: dataset.fields.count)
        var kept = 0
        var rejected = 0
        var samples: [RowError] = []
        rows: for index in 0..<batch.rowCount {
            for (position, field) in dataset.fields.enumerated() {
                guard let column = sourceIndex[position] else {
                    row[position] = .null
                    continue
                }
                switch ValueConversion.convert(batch.value(row: index, column: column), to: field.type) {
                case .success(let value):
                    if value == .null && !field.nullable {
                        rejected += 1
                        if samples.count < Self.maximumSamples { samples.append(RowError(row: index, field: field.name, message: "is required but the source value is null")) }
                        continue rows
                    }
                    row[position] = value
                case .failure(let failure):
                    rejected += 1
                    if samples.count < Self.maximumSamples { samples.append(RowError(row: index, field: field.name, message: failure.message)) }
                    continue rows
                }
            }
            for position in builders.indices { builders[position].append(row[position]) }
            kept += 1
        }
        return MappedBatch(columns: builders.map(\.column), rowCount: kept, rejectedCount: rejected, samples: samples)
    }
}

/// The typed arrays of one output column.
struct ColumnBuilder {
    let type: DatasetFieldType
    var nulls: [Bool] = []
    var booleans: [Bool] = []
    var int32s: [Int32] = []
    var int64s: [Int64] = []
    var floats: [Float] = []
    var doubles: [Double] = []
    var decimals: [Int128] = []
    var strings: [String] = []
    var binaries: [[UInt8]] = []

    init(type: DatasetFieldType, capacity: Int) {
        self.type = type
        nulls.reserveCapacity(capacity)
    }

    mutating func append(_ value: FieldValue) {
        nulls.append(value == .null)
        switch (type, value) {
        case (.boolean, .bool(let flag)): booleans.append(flag)
        case (.boolean, _): booleans.append(false)
        case (.byte, .int64(let n)), (.short, .int64(let n)), (.int, .int64(let n)), (.date, .int64(let n)): int32s.append(Int32(truncatingIfNeeded: n))
        case (.byte, _), (.short, _), (.int, _), (.date, _): int32s.append(0)
        case (.long, .int64(let n)), (.dateTime, .int64(let n)): int64s.append(n)
        case (.long, _), (.dateTime, _): int64s.append(0)
        case (.float, .double(let n)): floats.append(Float(n))
        case (.float, _): floats.append(0)
        case (.double, .double(let n)): doubles.append(n)
        case (.double, _): doubles.append(0)
        case (.decimal, .decimal(let n)): decimals.append(n)
        case (.decimal, _): decimals.append(0)
        case (.string, .string(let text)): strings.append(text)
        case (.string, _): strings.append("")
        case (.binary, .binary(let bytes)): binaries.append(bytes)
        case (.binary, _): binaries.append([])
        }
    }

    var column: ParquetColumn {
        let flags = nulls.contains(true) ? nulls : nil
        switch type {
        case .boolean: return ParquetColumn(.boolean(booleans), nulls: flags)
        case .byte, .short, .int, .date: return ParquetColumn(.int32(int32s), nulls: flags)
        case .long, .dateTime: return ParquetColumn(.int64(int64s), nulls: flags)
        case .float: return ParquetColumn(.float(floats), nulls: flags)
        case .double: return ParquetColumn(.double(doubles), nulls: flags)
        case .decimal: return ParquetColumn(.decimal(decimals), nulls: flags)
        case .string: return ParquetColumn(.string(strings), nulls: flags)
        case .binary: return ParquetColumn(.binary(binaries), nulls: flags)
        }
    }
}
