// The Thrift structures of parquet.thrift that the writer emits (page headers, column and row
// group metadata, the file footer), encoded with the compact protocol. Field ids follow the
// Apache Parquet format specification.
import Thrift

/// Encodings (`Encoding` in parquet.thrift).
enum ParquetEncoding: Int32 {
    case plain = 0
    case rle = 3
    case rleDictionary = 8
}

/// Page types (`PageType`).
enum PageType: Int32 {
    case dataPage = 0
    case dictionaryPage = 2
}

/// Compression codecs (`CompressionCodec`).
public enum ParquetCompression: Int32, Sendable, CaseIterable {
    /// No compression.
    case uncompressed = 0
    /// SNAPPY (raw Snappy blocks), Spark's default; needs the system's libsnappy at run time.
    case snappy = 1
    /// GZIP (zlib's deflate with a gzip header), which every Parquet reader supports.
    case gzip = 2
    /// ZSTD; needs the system's libzstd at run time (on every Debian machine).
    case zstd = 6

    /// The codec's name as Parquet, Spark and pyarrow write it: `UNCOMPRESSED`, `SNAPPY`, `GZIP`, `ZSTD`.
    public var name: String {
        switch self {
        case .uncompressed: "UNCOMPRESSED"
        case .snappy: "SNAPPY"
        case .gzip: "GZIP"
        case .zstd: "ZSTD"
        }
    }

    /// The codec named `name` (any case), if there is one.
    public init?(name: String) {
        guard let codec = Self.allCases.first(where: { $0.name == name.uppercased() }) else { return nil }
        self = codec
    }

    /// Fails, saying what to install, when the codec's library cannot be loaded on this machine.
    public func checkAvailable() throws(ParquetError) {
        switch self {
        case .uncompressed, .gzip: return
        case .snappy: _ = try Snappy.shared.get()
        case .zstd: _ = try Zstd.shared.get()
        }
    }
}

/// Min, max and null count of a column chunk, the min and max in the physical type's PLAIN bytes
/// (big-endian for FIXED_LEN_BYTE_ARRAY decimals).
struct EncodedStatistics {
    var nullCount: Int64
    var minimum: [UInt8]?
    var maximum: [UInt8]?

    func write(to writer: inout ThriftCompactWriter) {
        writer.writeStructBegin()
        writer.writeFieldBegin(.i64, id: 3)
        writer.writeI64(nullCount)
        if let maximum, let minimum {
            writer.writeFieldBegin(.binary, id: 5)
            writer.writeBinary(maximum)
            writer.writeFieldBegin(.binary, id: 6)
            writer.writeBinary(minimum)
        }
        writer.writeFieldStop()
        writer.writeStructEnd()
    }
}

enum ParquetMetadata {
    /// A `PageHeader` for a data page (v1) or a dictionary page.
    static func pageHeader(type: PageType, uncompressedSize: Int, compressedSize: Int, valueCount: Int, encoding: ParquetEncoding) -> [UInt8] {
        var writer = ThriftCompactWriter()
        writer.writeStructBegin()
        writer.writeI32Field(id: 1, type.rawValue)
        writer.writeI32Field(id: 2, Int32(uncompressedSize))
        writer.writeI32Field(id: 3, Int32(compressedSize))
        switch type {
        case .dataPage:
            writer.writeFieldBegin(.struct, id: 5)
            writer.writeStructBegin()
            writer.writeI32Field(id: 1, Int32(valueCount))
            writer.writeI32Field(id: 2, encoding.rawValue)
            writer.writeI32Field(id: 3, ParquetEncoding.rle.rawValue)
            writer.writeI32Field(id: 4, ParquetEncoding.rle.rawValue)
            writer.writeFieldStop()
            writer.writeStructEnd()
        case .dictionaryPage:
            writer.writeFieldBegin(.struct, id: 7)
            writer.writeStructBegin()
            writer.writeI32Field(id: 1, Int32(valueCount))
            writer.writeI32Field(id: 2, ParquetEncoding.plain.rawValue)
            writer.writeFieldStop()
            writer.writeStructEnd()
        }
        writer.writeFieldStop()
        writer.writeStructEnd()
        return writer.bytes
    }

    /// `FileMetaData`.
    static func footer(
        schema: ParquetSchema,
        rowCount: Int64,
        rowGroups: [RowGroupRecord],
        createdBy: String,
        keyValues: [(String, String)]
    ) -> [UInt8] {
        var writer = ThriftCompactWriter()
        writer.writeStructBegin()
        writer.writeI32Field(id: 1, 2)
        writer.writeFieldBegin(.list, id: 2)
        writer.writeListBegin(.struct, count: schema.fields.count + 1)
        // The root group.
        writer.writeStructBegin()
        writer.writeFieldBegin(.binary, id: 4)
        writer.writeString("schema")
        writer.writeI32Field(id: 5, Int32(schema.fields.count))
        writer.writeFieldStop()
        writer.writeStructEnd()
        for field in schema.fields { writeSchemaElement(field, to: &writer) }
        writer.writeFieldBegin(.i64, id: 3)
        writer.writeI64(rowCount)
        writer.writeFieldBegin(.list, id: 4)
        writer.writeListBegin(.struct, count: rowGroups.count)
        for (ordinal, group) in rowGroups.enumerated() { group.write(to: &writer, ordinal: ordinal) }
        if !keyValues.isEmpty {
            writer.writeFieldBegin(.list, id: 5)
            writer.writeListBegin(.struct, count: keyValues.count)
            for (key, value) in keyValues {
                writer.writeStructBegin()
                writer.writeFieldBegin(.binary, id: 1)
                writer.writeString(key)
                writer.writeFieldBegin(.binary, id: 2)
                writer.writeString(value)
                writer.writeFieldStop()
                writer.writeStructEnd()
            }
        }
        writer.writeFieldBegin(.binary, id: 6)
        writer.writeString(createdBy)
        // Column orders: TYPE_ORDER for every column, so readers trust min_value / max_value.
        writer.writeFieldBegin(.list, id: 7)
        writer.writeListBegin(.struct, count: schema.fields.count)
        for _ in schema.fields {
            writer.writeStructBegin()
            writer.writeFieldBegin(.struct, id: 1)
            writer.writeStructBegin()
            writer.writeFieldStop()
            writer.writeStructEnd()
            writer.writeFieldStop()
            writer.writeStructEnd()
        }
        writer.writeFieldStop()
        writer.writeStructEnd()
        return writer.bytes
    }

    /// A leaf `SchemaElement` with its converted type (for old readers) and logical type.
    static func writeSchemaElement(_ field: ParquetField, to writer: inout ThriftCompactWriter) {
        let type = field.type
        writer.writeStructBegin()
        writer.writeI32Field(id: 1, type.physical.rawValue)
        if let length = type.fixedLength { writer.writeI32Field(id: 2, Int32(length)) }
        writer.writeI32Field(id: 3, field.nullable ? 1 : 0)
        writer.writeFieldBegin(.binary, id: 4)
        writer.writeString(field.name)
        let converted: Int32? =
            switch type {
            case .string: 0
            case .decimal: 5
            case .date: 6
            case .timestampMicros: 10
            case .int8: 15
            case .int16: 16
            default: nil
            }
        if let converted { writer.writeI32Field(id: 6, converted) }
        if case .decimal(let precision, let scale) = type {
            writer.writeI32Field(id: 7, Int32(scale))
            writer.writeI32Field(id: 8, Int32(precision))
        }
        // LogicalType (a union: exactly one field set).
        func logical(_ id: Int16, _ body: (inout ThriftCompactWriter) -> Void) {
            writer.writeFieldBegin(.struct, id: 10)
            writer.writeStructBegin()
            writer.writeFieldBegin(.struct, id: id)
            writer.writeStructBegin()
            body(&writer)
            writer.writeFieldStop()
            writer.writeStructEnd()
            writer.writeFieldStop()
            writer.writeStructEnd()
        }
        switch type {
        case .string: logical(1) { _ in }
        case .decimal(let precision, let scale):
            logical(5) {
                $0.writeI32Field(id: 1, Int32(scale))
                $0.writeI32Field(id: 2, Int32(precision))
            }
        case .date: logical(6) { _ in }
        case .timestampMicros:
            logical(8) {
                $0.writeBoolField(id: 1, true)
                $0.writeFieldBegin(.struct, id: 2)
                $0.writeStructBegin()
                $0.writeFieldBegin(.struct, id: 2)  // MICROS
                $0.writeStructBegin()
                $0.writeFieldStop()
                $0.writeStructEnd()
                $0.writeFieldStop()
                $0.writeStructEnd()
            }
        case .int8, .int16:
            logical(10) {
                $0.writeFieldBegin(.i8, id: 1)
                $0.writeI8(type == .int8 ? 8 : 16)
                $0.writeBoolField(id: 2, true)
            }
        default: break
        }
        writer.writeFieldStop()
        writer.writeStructEnd()
    }
}

/// Where one column chunk landed in the file, and what it holds.
struct ColumnChunkRecord {
    var type: PhysicalType
    var encodings: [ParquetEncoding]
    var name: String
    var codec: ParquetCompression
    var valueCount: Int64
    var uncompressedSize: Int64
    var compressedSize: Int64
    var dataPageOffset: Int64
    var dictionaryPageOffset: Int64?
    var statistics: EncodedStatistics

    func write(to writer: inout ThriftCompactWriter) {
        writer.writeStructBegin()
        writer.writeFieldBegin(.i64, id: 2)
        writer.writeI64(dictionaryPageOffset ?? dataPageOffset)
        writer.writeFieldBegin(.struct, id: 3)
        writer.writeStructBegin()
        writer.writeI32Field(id: 1, type.rawValue)
        writer.writeFieldBegin(.list, id: 2)
        writer.writeListBegin(.i32, count: encodings.count)
        for encoding in encodings { writer.writeI32(encoding.rawValue) }
        writer.writeFieldBegin(.list, id: 3)
        writer.writeListBegin(.binary, count: 1)
        writer.writeString(name)
        writer.writeI32Field(id: 4, codec.rawValue)
        writer.writeFieldBegin(.i64, id: 5)
        writer.writeI64(valueCount)
        writer.writeFieldBegin(.i64, id: 6)
        writer.writeI64(uncompressedSize)
        writer.writeFieldBegin(.i64, id: 7)
        writer.writeI64(compressedSize)
        writer.writeFieldBegin(.i64, id: 9)
        writer.writeI64(dataPageOffset)
        if let dictionaryPageOffset {
            writer.writeFieldBegin(.i64, id: 11)
            writer.writeI64(dictionaryPageOffset)
        }
        writer.writeFieldBegin(.struct, id: 12)
        statistics.write(to: &writer)
        writer.writeFieldStop()
        writer.writeStructEnd()
        writer.writeFieldStop()
        writer.writeStructEnd()
    }
}

/// One row group's columns.
struct RowGroupRecord {
    var columns: [ColumnChunkRecord]
    var rowCount: Int64

    func write(to writer: inout ThriftCompactWriter, ordinal: Int) {
        writer.writeStructBegin()
        writer.writeFieldBegin(.list, id: 1)
        writer.writeListBegin(.struct, count: columns.count)
        for column in columns { column.write(to: &writer) }
        writer.writeFieldBegin(.i64, id: 2)
        writer.writeI64(columns.reduce(0) { $0 + $1.uncompressedSize })
        writer.writeFieldBegin(.i64, id: 3)
        writer.writeI64(rowCount)
        if let first = columns.first {
            writer.writeFieldBegin(.i64, id: 5)
            writer.writeI64(first.dictionaryPageOffset ?? first.dataPageOffset)
        }
        writer.writeFieldBegin(.i64, id: 6)
        writer.writeI64(columns.reduce(0) { $0 + $1.compressedSize })
        writer.writeFieldBegin(.i16, id: 7)
        writer.writeI16(Int16(truncatingIfNeeded: ordinal))
        writer.writeFieldStop()
        writer.writeStructEnd()
    }
}

extension ThriftCompactWriter {
    mutating func writeI32Field(id: Int16, _ value: Int32) {
        writeFieldBegin(.i32, id: id)
        writeI32(value)
    }
}
