// What the writer is fed: one batch of rows as columns, each a typed array with one entry per row
// (the entry at a null row is ignored) and, when the column has nulls, which rows are null.

/// The values of one column of a batch, one per row.
public enum ParquetValues: Sendable {
    case boolean([Bool])
    /// For `int8`, `int16`, `int32`, `date` and decimals of precision ≤ 9 (unscaled).
    case int32([Int32])
    /// For `int64`, `timestampMicros` and decimals of precision ≤ 18 (unscaled).
    case int64([Int64])
    case float([Float])
    case double([Double])
    /// For `string`.
    case string([String])
    /// For `binary`.
    case binary([[UInt8]])
    /// Unscaled decimals of any precision.
    case decimal([Int128])

    /// The number of rows.
    public var count: Int {
        switch self {
        case .boolean(let values): values.count
        case .int32(let values): values.count
        case .int64(let values): values.count
        case .float(let values): values.count
        case .double(let values): values.count
        case .string(let values): values.count
        case .binary(let values): values.count
        case .decimal(let values): values.count
        }
    }
}

/// One column of a batch.
public struct ParquetColumn: Sendable {
    /// The values, one per row.
    public var values: ParquetValues
    /// `true` at the rows that are null; `nil` when none is.
    public var nulls: [Bool]?

    /// Creates a column.
    public init(_ values: ParquetValues, nulls: [Bool]? = nil) {
        self.values = values
        self.nulls = nulls
    }

    /// The number of rows.
    public var count: Int { values.count }
}
