// One column of a fetched batch as it arrives: a typed array and an LSB-first null bitmap, or an
// Arrow column (its nulls in its own validity bitmap).
public import Arrow

/// The physical values of a column, in the arm the server chose for its type.
public enum ColumnStorage: Sendable {
    case bool([Bool])
    case int8([Int8])
    case int16([Int16])
    case int32([Int32])
    case int64([Int64])
    case double([Double])
    case string([String])
    case binary([[UInt8]])
    /// An Arrow column, read in place (its NULLs are its own).
    case arrow(ArrowArray)

    /// The number of values.
    public var count: Int {
        switch self {
        case .bool(let values): values.count
        case .int8(let values): values.count
        case .int16(let values): values.count
        case .int32(let values): values.count
        case .int64(let values): values.count
        case .double(let values): values.count
        case .string(let values): values.count
        case .binary(let values): values.count
        case .arrow(let array): array.length
        }
    }
}

/// Which rows are NULL: bit `i % 8` of byte `i / 8`; the bitmap may be shorter than the column
/// (trailing zero bytes are trimmed by the server), and missing bytes mean "not null".
public struct NullBitmap: Sendable, Hashable {
    /// The raw bytes.
    public var bytes: [UInt8]

    /// Wraps raw bitmap bytes.
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Whether row `row` is NULL.
    @inlinable
    public func isNull(_ row: Int) -> Bool {
        let index = row >> 3
        return index < bytes.count && (bytes[index] >> UInt8(row & 7)) & 1 == 1
    }

    /// Whether any row is NULL.
    public var hasNulls: Bool { bytes.contains { $0 != 0 } }
}

/// A column's values with their nulls.
public struct ColumnValues: Sendable {
    /// The values (NULL slots hold a placeholder).
    public var storage: ColumnStorage
    /// Which slots are NULL.
    public var nulls: NullBitmap

    /// Creates a column.
    public init(storage: ColumnStorage, nulls: NullBitmap) {
        self.storage = storage
        self.nulls = nulls
    }

    /// The number of rows.
    public var count: Int { storage.count }
}
