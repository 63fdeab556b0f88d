// A mapping set at work: source column batches in, dataset column batches out. Each dataset field
// takes one source column (renamed and converted) or stays null; a row with a value that does not
// convert is left out and reported (counted, the first ones kept as samples), never a crash.
public import DataLake
public import DatabricksSQL
public import FlowModel
public import Parquet

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
            guard byDestination[mapping.destination] == nil else {
                throw MappingError(field: mapping.destination, message: "is mapped more than once")
            }
            if let sourceColumns {
                guard
                    let column = sourceColumns.first(where: { $0.name == mapping.source })
                        ?? sourceColumns.first(where: { $0.name.lowercased() == mapping.source.lowercased() })
                else {
                    throw MappingError(field: mapping.source, message: "is not a column of the source")
                }
                guard ValueConversion.canConvert(sourceType: column.type, to: field.type) else {
                    throw MappingError(
                        field: mapping.destination,
                        message: "cannot take the source column '\(mapping.source)' of type \(column.type)"
                    )
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

    /// Maps one source batch: a column whose values convert whole is converted whole (a rename costs
    /// nothing, a widening one pass), the others value by value; a row with a value that does not
    /// convert, or a null where the field is required, is left out and reported with the first
    /// field at fault.
    public func map(_ batch: ResultBatch) -> MappedBatch {
        let rowCount = batch.rowCount
        var whole: [ConvertedColumn?] = []
        var byValue: [[FieldValue]?] = []
        // Each left-out row's first fault, by the field's position (the lowest wins).
        var faults: [Int: (position: Int, message: String)] = [:]
        func fault(row: Int, position: Int, _ message: @autoclosure () -> String) {
            if let known = faults[row], known.position <= position { return }
            faults[row] = (position, message())
        }
        for (position, field) in dataset.fields.enumerated() {
            guard let name = sources[position], let column = Self.index(of: name, in: batch.schema) else {
                whole.append(nil)
                byValue.append(nil)
                continue
            }
            let values = batch.columns[column]
            if let converted = ColumnConversion.convert(values, type: batch.schema[column].type, to: field.type) {
                if !field.nullable, let nulls = converted.nulls {
                    for row in 0..<rowCount where nulls[row] { fault(row: row, position: position, "is required but the source value is null") }
                }
                whole.append(converted)
                byValue.append(nil)
                continue
            }
            var converted: [FieldValue] = []
            converted.reserveCapacity(rowCount)
            for row in 0..<rowCount {
                switch ValueConversion.convert(values.value(at: row, type: batch.schema[column].type), to: field.type) {
                case .success(let value):
                    if value == .null && !field.nullable { fault(row: row, position: position, "is required but the source value is null") }
                    converted.append(value)
                case .failure(let failure):
                    fault(row: row, position: position, failure.message)
                    converted.append(.null)
                }
            }
            whole.append(nil)
            byValue.append(converted)
        }
        let left = faults.keys.sorted()
        let samples = left.prefix(Self.maximumSamples).map { row in
            RowError(row: row, field: dataset.fields[faults[row]!.position].name, message: faults[row]!.message)
        }
        let kept: [Int]? = left.isEmpty ? nil : (0..<rowCount).filter { faults[$0] == nil }
        let keptCount = kept?.count ?? rowCount
        let columns = dataset.fields.indices.map { position -> ParquetColumn in
            if let converted = whole[position] {
                guard let kept else { return ParquetColumn(converted.values, nulls: converted.nulls) }
                return ParquetColumn(converted.values.rows(kept), nulls: converted.nulls.map { nulls in kept.map { nulls[$0] } })
            }
            var builder = ColumnBuilder(type: dataset.fields[position].type, capacity: keptCount)
            if let values = byValue[position] {
                if let kept {
                    for row in kept { builder.append(values[row]) }
                } else {
                    for value in values { builder.append(value) }
                }
            } else {
                for _ in 0..<keptCount { builder.append(.null) }
            }
            return builder.column
        }
        return MappedBatch(columns: columns, rowCount: keptCount, rejectedCount: left.count, samples: samples)
    }

    /// The position of the column `name` names: by its exact name, else ignoring case.
    static func index(of name: String, in schema: [ColumnDescriptor]) -> Int? {
        schema.firstIndex { $0.name == name } ?? schema.firstIndex { $0.name.lowercased() == name.lowercased() }
    }
}

extension ParquetValues {
    /// The values of `rows` only, in their order.
    func rows(_ rows: [Int]) -> ParquetValues {
        switch self {
        case .boolean(let values): .boolean(rows.map { values[$0] })
        case .int32(let values): .int32(rows.map { values[$0] })
        case .int64(let values): .int64(rows.map { values[$0] })
        case .float(let values): .float(rows.map { values[$0] })
        case .double(let values): .double(rows.map { values[$0] })
        case .string(let values): .string(rows.map { values[$0] })
        case .binary(let values): .binary(rows.map { values[$0] })
        case .decimal(let values): .decimal(rows.map { values[$0] })
        }
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
        case (.byte, .int64(let n)), (.short, .int64(let n)), (.int, .int64(let n)), (.date, .int64(let n)):
            int32s.append(Int32(truncatingIfNeeded: n))
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
