// Result schemas (`TTableSchema`) and column-based row sets (`TRowSet` of `TColumn`s with
// LSB-first null bitmaps).
import Foundation
import Thrift

/// `TTableSchema`.
struct TableSchema: Sendable {
    var columns: [ColumnDescriptor]

    init(columns: [ColumnDescriptor]) { self.columns = columns }

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        var columns: [ColumnDescriptor] = []
        try reader.readStruct { reader, field throws(ThriftError) in
            guard field.id == 1, field.type == .list else { return false }
            let (type, count) = try reader.readListBegin()
            guard type == .struct else { throw ThriftError(.invalidField, "TTableSchema.columns elements are not structs") }
            for _ in 0..<count { columns.append(try ColumnDescriptor.decode(from: &reader)) }
            return true
        }
        self.columns = columns.sorted { $0.position < $1.position }
    }
}

extension ColumnDescriptor {
    /// `TColumnDesc`: name, `TTypeDesc` (its first entry is always primitive) and position.
    static func decode(from reader: inout ThriftBinaryReader) throws(ThriftError) -> ColumnDescriptor {
        var name = ""
        var typeId: Int32 = -1
        var qualifiers: [String: Int32] = [:]
        var position: Int32 = 0
        var comment: String?
        try reader.readStruct { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (1, .binary): name = try reader.readString()
            case (2, .struct):
                // TTypeDesc { 1: list<TTypeEntry> }; the first entry's primitiveEntry names the type.
                try reader.readStruct { reader, field throws(ThriftError) in
                    guard field.id == 1, field.type == .list else { return false }
                    let (_, count) = try reader.readListBegin()
                    for index in 0..<count {
                        guard index == 0 else {
                            try reader.skip(.struct)
                            continue
                        }
                        try reader.readStruct { reader, field throws(ThriftError) in
                            guard field.id == 1, field.type == .struct else { return false }
                            try reader.readStruct { reader, field throws(ThriftError) in
                                switch (field.id, field.type) {
                                case (1, .i32): typeId = try reader.readI32()
                                case (2, .struct): qualifiers = try readQualifiers(&reader)
                                default: return false
                                }
                                return true
                            }
                            return true
                        }
                    }
                    return true
                }
            case (3, .i32): position = try reader.readI32()
            case (4, .binary): comment = try reader.readString()
            default: return false
            }
            return true
        }
        return ColumnDescriptor(
            name: name,
            type: SQLType(typeId: typeId, qualifiers: qualifiers),
            position: Int(position),
            comment: comment
        )
    }
}

/// `TTypeQualifiers { 1: map<string, TTypeQualifierValue> }`, keeping the i32 values.
private func readQualifiers(_ reader: inout ThriftBinaryReader) throws(ThriftError) -> [String: Int32] {
    var result: [String: Int32] = [:]
    try reader.readStruct { reader, field throws(ThriftError) in
        guard field.id == 1, field.type == .map else { return false }
        let (keyType, valueType, count) = try reader.readMapBegin()
        for _ in 0..<count {
            guard keyType == .binary, valueType == .struct else {
                try reader.skip(keyType)
                try reader.skip(valueType)
                continue
            }
            let key = try reader.readString()
            try reader.readStruct { reader, field throws(ThriftError) in
                guard field.id == 1, field.type == .i32 else { return false }
                result[key] = try reader.readI32()
                return true
            }
        }
        return true
    }
    return result
}

/// `TRowSet`, column-based.
struct RowSet: Sendable {
    var startRowOffset: Int64 = 0
    var columns: [ColumnValues] = []
    /// Row-based rows (`rows`, field 2); never used by Spark ≥ protocol V6 and not decoded.
    var rowBasedRowCount = 0
    /// Arrow batches (0x501, `TSparkArrowBatch`): an Arrow IPC record batch message each (an LZ4
    /// frame of one when the metadata says `lz4Compressed`), read with the metadata's `arrowSchema`.
    var arrowBatches: [ArrowBatchBytes] = []
    /// Result links (0x502, `TSparkArrowResultLink`): CloudFetch, files of Arrow batches to download.
    var resultLinks: [ResultLink] = []

    /// Rows in this set: the shortest column's length (all are equal from a sane server).
    var rowCount: Int { columns.map(\.count).min() ?? 0 }

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        try reader.readStruct { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (1, .i64): startRowOffset = try reader.readI64()
            case (2, .list):
                let (type, count) = try reader.readListBegin()
                rowBasedRowCount = count
                for _ in 0..<count { try reader.skip(type) }
            case (3, .list):
                let (type, count) = try reader.readListBegin()
                guard type == .struct else { throw ThriftError(.invalidField, "TRowSet.columns elements are not structs") }
                columns.reserveCapacity(count)
                for _ in 0..<count { columns.append(try ColumnValues.decode(from: &reader)) }
            case (0x501, .list):
                let (type, count) = try reader.readListBegin()
                guard type == .struct else { throw ThriftError(.invalidField, "TRowSet.arrowBatches elements are not structs") }
                for _ in 0..<count { arrowBatches.append(try ArrowBatchBytes(from: &reader)) }
            case (0x502, .list):
                let (type, count) = try reader.readListBegin()
                guard type == .struct else { throw ThriftError(.invalidField, "TRowSet.resultLinks elements are not structs") }
                for _ in 0..<count { resultLinks.append(try ResultLink(from: &reader)) }
            default: return false
            }
            return true
        }
    }
}

extension ColumnValues {
    /// `TColumn`: a union of typed value lists, each with its null bitmap.
    static func decode(from reader: inout ThriftBinaryReader) throws(ThriftError) -> ColumnValues {
        var result: ColumnValues?
        try reader.readStruct { reader, field throws(ThriftError) in
            guard field.type == .struct, (1...8).contains(field.id) else { return false }
            var storage: ColumnStorage?
            var nulls: [UInt8] = []
            try reader.readStruct { reader, inner throws(ThriftError) in
                switch (inner.id, inner.type) {
                case (1, .list):
                    let (elementType, count) = try reader.readListBegin()
                    switch (field.id, elementType) {
                    case (1, .bool): storage = .bool(try reader.readBoolValues(count: count))
                    case (2, .i8): storage = .int8(try reader.readI8Values(count: count))
                    case (3, .i16): storage = .int16(try reader.readI16Values(count: count))
                    case (4, .i32): storage = .int32(try reader.readI32Values(count: count))
                    case (5, .i64): storage = .int64(try reader.readI64Values(count: count))
                    case (6, .double): storage = .double(try reader.readDoubleValues(count: count))
                    case (7, .binary): storage = .string(try reader.readStringValues(count: count))
                    case (8, .binary): storage = .binary(try reader.readBinaryValues(count: count))
                    default:
                        throw ThriftError(.invalidField, "TColumn arm \(field.id) holds \(elementType) values")
                    }
                case (2, .binary): nulls = try reader.readBinary()
                default: return false
                }
                return true
            }
            guard let storage else { throw ThriftError(.invalidField, "TColumn arm \(field.id) has no values") }
            result = ColumnValues(storage: storage, nulls: NullBitmap(bytes: nulls))
            return true
        }
        guard let result else { throw ThriftError(.invalidField, "TColumn has no known arm set") }
        return result
    }
}

/// `TSparkArrowBatch`: the bytes of one Arrow record batch and its row count.
struct ArrowBatchBytes: Sendable {
    var batch: [UInt8] = []
    var rowCount: Int64 = 0

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        try reader.readStruct { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (1, .binary): batch = try reader.readBinary()
            case (2, .i64): rowCount = try reader.readI64()
            default: return false
            }
            return true
        }
    }
}

/// `TSparkArrowResultLink`: where one result file of a CloudFetch result lies, until when, and which
/// rows it holds. The link is a presigned URL: a secret, never logged or shown.
struct ResultLink: Sendable {
    var fileLink = ""
    /// When the link stops working: seconds since the epoch (the Go and Python drivers' reading) or
    /// milliseconds (the .NET driver's); a value past 10^11 can only be milliseconds.
    var expiryTime: Int64 = 0
    var startRowOffset: Int64 = 0
    var rowCount: Int64 = 0
    /// The file's size in bytes.
    var bytesNum: Int64 = 0
    /// Headers the download must send.
    var httpHeaders: [String: String] = [:]

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        try reader.readStruct { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (1, .binary): fileLink = try reader.readString()
            case (2, .i64): expiryTime = try reader.readI64()
            case (3, .i64): startRowOffset = try reader.readI64()
            case (4, .i64): rowCount = try reader.readI64()
            case (5, .i64): bytesNum = try reader.readI64()
            case (6, .map): httpHeaders = try reader.readStringMap()
            default: return false
            }
            return true
        }
    }

    /// The rows after this file's.
    var endRowOffset: Int64 { startRowOffset + rowCount }

    /// When the link expires.
    var expiry: Date {
        expiryTime > 100_000_000_000
            ? Date(timeIntervalSince1970: Double(expiryTime) / 1000) : Date(timeIntervalSince1970: Double(expiryTime))
    }
}
