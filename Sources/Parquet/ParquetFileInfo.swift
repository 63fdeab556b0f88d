// Reading a Parquet file's footer: its row count, row groups and top-level columns, for files this
// writer made and for files Spark or pyarrow made. Every length is checked before it is trusted.
import Foundation
import Thrift

/// A top-level column as a file's footer describes it.
public struct ParquetColumnInfo: Sendable, Hashable {
    /// The name.
    public var name: String
    /// The physical type (`INT64`, `BYTE_ARRAY`, …), `nil` for groups.
    public var physicalType: String?
    /// The logical type, e.g. `STRING`, `DECIMAL(38,10)`, `TIMESTAMP(MICROS,UTC)`, `INT(8)`.
    public var logicalType: String?
    /// Whether it is OPTIONAL.
    public var nullable: Bool
    /// Whether it is a group (a nested column).
    public var isGroup: Bool
}

/// What a Parquet file's footer says.
public struct ParquetFileInfo: Sendable, Hashable {
    /// Rows in the file.
    public var rowCount: Int64
    /// Rows of each row group.
    public var rowGroupRowCounts: [Int64]
    /// Top-level columns, in order.
    public var columns: [ParquetColumnInfo]
    /// The writer's signature.
    public var createdBy: String?
    /// The footer's key/value metadata.
    public var metadata: [String: String]
    /// The codecs of the file's column chunks (codes no writer of today uses are left out).
    public var codecs: Set<ParquetCompression> = []

    /// The largest footer read (footers of very wide files are a few MiB).
    public static let maximumFooterBytes = 64 << 20

    /// Reads the footer of the file at `path`.
    public static func read(path: String) throws(ParquetError) -> ParquetFileInfo {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ParquetError(.io, "cannot open \(path)") }
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            guard size >= 12 else { throw ParquetError(.malformedFile, "\(path) is too short to be a Parquet file") }
            try handle.seek(toOffset: size - 8)
            let trailer = [UInt8](try handle.read(upToCount: 8) ?? Data())
            guard trailer.count == 8, Array(trailer[4...]) == Array("PAR1".utf8) else {
                throw ParquetError(.malformedFile, "\(path) does not end with the Parquet magic bytes")
            }
            let length = UInt64(trailer[0]) | UInt64(trailer[1]) << 8 | UInt64(trailer[2]) << 16 | UInt64(trailer[3]) << 24
            guard length > 0, length <= size - 12, length <= UInt64(maximumFooterBytes) else {
                throw ParquetError(.malformedFile, "\(path) has a footer length (\(length)) that does not fit the file")
            }
            try handle.seek(toOffset: size - 8 - length)
            let footer = [UInt8](try handle.read(upToCount: Int(length)) ?? Data())
            guard footer.count == Int(length) else { throw ParquetError(.malformedFile, "\(path): the footer could not be read whole") }
            return try parse(footer)
        } catch let error as ParquetError {
            throw error
        } catch let error as ThriftError {
            throw ParquetError(.malformedFile, "\(path): the footer is not valid Thrift: \(error)")
        } catch {
            throw ParquetError(.io, "cannot read \(path): \(error)")
        }
    }

    /// Parses `FileMetaData` (compact protocol).
    static func parse(_ footer: [UInt8]) throws -> ParquetFileInfo {
        var reader = ThriftCompactReader(footer)
        var info = ParquetFileInfo(rowCount: 0, rowGroupRowCounts: [], columns: [], createdBy: nil, metadata: [:])
        var elements: [SchemaElement] = []
        try reader.readStructBegin()
        while true {
            let field = try reader.readFieldBegin()
            if field.type == .stop { break }
            switch (field.id, field.type) {
            case (2, .list):
                let (_, count) = try reader.readListBegin()
                for _ in 0..<count { elements.append(try SchemaElement.read(&reader)) }
            case (3, .i64):
                info.rowCount = try reader.readI64()
            case (4, .list):
                let (_, count) = try reader.readListBegin()
                for _ in 0..<count { info.rowGroupRowCounts.append(try readRowGroup(&reader, codecs: &info.codecs)) }
            case (5, .list):
                let (_, count) = try reader.readListBegin()
                for _ in 0..<count {
                    let (key, value) = try readKeyValue(&reader)
                    info.metadata[key] = value
                }
            case (6, .binary):
                info.createdBy = try reader.readString()
            default:
                try reader.skip(field.type)
            }
        }
        try reader.readStructEnd()
        info.columns = try topLevelColumns(elements)
        return info
    }

    /// The root's children, each group's subtree skipped.
    static func topLevelColumns(_ elements: [SchemaElement]) throws -> [ParquetColumnInfo] {
        guard let root = elements.first else { throw ParquetError(.malformedFile, "the footer has no schema") }
        var columns: [ParquetColumnInfo] = []
        var index = 1
        for _ in 0..<max(0, root.childCount) {
            guard index < elements.count else { throw ParquetError(.malformedFile, "the schema has fewer elements than its root announces") }
            let element = elements[index]
            columns.append(element.info)
            // Skip the element and all its descendants.
            var pending = 1
            while pending > 0 {
                guard index < elements.count else { throw ParquetError(.malformedFile, "a schema group has fewer elements than it announces") }
                pending += max(0, elements[index].childCount) - 1
                index += 1
            }
        }
        return columns
    }

    /// A `RowGroup`: its row count (3), and the codec of each column chunk (1 → `ColumnChunk.meta_data`
    /// (3) → `ColumnMetaData.codec` (4)) into `codecs`.
    static func readRowGroup(_ reader: inout ThriftCompactReader, codecs: inout Set<ParquetCompression>) throws -> Int64 {
        var rows: Int64 = 0
        var found = codecs
        try reader.readStruct { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (3, .i64): rows = try reader.readI64()
            case (1, .list):
                let (_, count) = try reader.readListBegin()
                for _ in 0..<count {
                    try reader.readStruct { reader, field throws(ThriftError) in
                        guard field.id == 3, field.type == .struct else { return false }
                        try reader.readStruct { reader, field throws(ThriftError) in
                            guard field.id == 4, field.type == .i32 else { return false }
                            if let codec = ParquetCompression(rawValue: try reader.readI32()) { found.insert(codec) }
                            return true
                        }
                        return true
                    }
                }
            default: return false
            }
            return true
        }
        codecs = found
        return rows
    }

    static func readKeyValue(_ reader: inout ThriftCompactReader) throws -> (String, String) {
        var key = ""
        var value = ""
        try reader.readStructBegin()
        while true {
            let field = try reader.readFieldBegin()
            if field.type == .stop { break }
            switch (field.id, field.type) {
            case (1, .binary): key = try reader.readString()
            case (2, .binary): value = try reader.readString()
            default: try reader.skip(field.type)
            }
        }
        try reader.readStructEnd()
        return (key, value)
    }
}

/// The parts of a `SchemaElement` the reader reports.
struct SchemaElement {
    var name = ""
    var type: Int32?
    var repetition: Int32?
    var childCount = 0
    var convertedType: Int32?
    var scale: Int32?
    var precision: Int32?
    var logicalType: String?

    static let physicalNames = ["BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"]

    var info: ParquetColumnInfo {
        ParquetColumnInfo(
            name: name,
            physicalType: type.flatMap { Self.physicalNames.indices.contains(Int($0)) ? Self.physicalNames[Int($0)] : "UNKNOWN(\($0))" },
            logicalType: logicalType ?? legacyLogicalType,
            nullable: repetition == 1,
            isGroup: childCount > 0
        )
    }

    /// The converted type's name, for files without a logical type.
    var legacyLogicalType: String? {
        switch convertedType {
        case 0: "STRING"
        case 5: "DECIMAL(\(precision ?? 0),\(scale ?? 0))"
        case 6: "DATE"
        case 9: "TIMESTAMP(MILLIS,UTC)"
        case 10: "TIMESTAMP(MICROS,UTC)"
        case 15: "INT(8)"
        case 16: "INT(16)"
        default: nil
        }
    }

    static func read(_ reader: inout ThriftCompactReader) throws -> SchemaElement {
        var element = SchemaElement()
        try reader.readStructBegin()
        while true {
            let field = try reader.readFieldBegin()
            if field.type == .stop { break }
            switch (field.id, field.type) {
            case (1, .i32): element.type = try reader.readI32()
            case (3, .i32): element.repetition = try reader.readI32()
            case (4, .binary): element.name = try reader.readString()
            case (5, .i32): element.childCount = Int(try reader.readI32())
            case (6, .i32): element.convertedType = try reader.readI32()
            case (7, .i32): element.scale = try reader.readI32()
            case (8, .i32): element.precision = try reader.readI32()
            case (10, .struct): element.logicalType = try readLogicalType(&reader)
            default: try reader.skip(field.type)
            }
        }
        try reader.readStructEnd()
        return element
    }

    /// The `LogicalType` union as text.
    static func readLogicalType(_ reader: inout ThriftCompactReader) throws -> String? {
        var name: String?
        try reader.readStructBegin()
        while true {
            let field = try reader.readFieldBegin()
            if field.type == .stop { break }
            guard field.type == .struct else {
                try reader.skip(field.type)
                continue
            }
            var numbers: [Int16: Int64] = [:]
            var unit: String?
            try reader.readStructBegin()
            while true {
                let inner = try reader.readFieldBegin()
                if inner.type == .stop { break }
                switch inner.type {
                case .i32: numbers[inner.id] = Int64(try reader.readI32())
                case .i8: numbers[inner.id] = Int64(try reader.readI8())
                case .bool: numbers[inner.id] = try reader.readBool() ? 1 : 0
                case .struct where field.id == 8 && inner.id == 2:
                    // TimeUnit: which of MILLIS (1), MICROS (2), NANOS (3) is set.
                    try reader.readStructBegin()
                    while true {
                        let choice = try reader.readFieldBegin()
                        if choice.type == .stop { break }
                        unit = [1: "MILLIS", 2: "MICROS", 3: "NANOS"][choice.id] ?? "UNKNOWN"
                        try reader.skip(choice.type)
                    }
                    try reader.readStructEnd()
                default: try reader.skip(inner.type)
                }
            }
            try reader.readStructEnd()
            switch field.id {
            case 1: name = "STRING"
            case 2: name = "MAP"
            case 3: name = "LIST"
            case 4: name = "ENUM"
            case 5: name = "DECIMAL(\(numbers[2] ?? 0),\(numbers[1] ?? 0))"
            case 6: name = "DATE"
            case 7: name = "TIME"
            case 8: name = "TIMESTAMP(\(unit ?? "UNKNOWN")\(numbers[1] == 1 ? ",UTC" : ""))"
            case 10: name = "INT(\(numbers[1] ?? 0)\(numbers[2] == 0 ? ",unsigned" : ""))"
            case 12: name = "JSON"
            case 13: name = "BSON"
            case 14: name = "UUID"
            default: name = "UNKNOWN(\(field.id))"
            }
        }
        try reader.readStructEnd()
        return name
    }
}
