// An Arrow schema as Schema.fbs encodes it: fields with a name, nullability, a type and children.

/// The unit of a timestamp, time or duration.
public enum ArrowTimeUnit: Int16, Sendable, Hashable {
    case second = 0
    case millisecond, microsecond, nanosecond

    /// `value` of this unit in microseconds (nanoseconds truncated toward zero; seconds and
    /// milliseconds wrap past Int64's range, as Arrow's own casts do not check).
    @inlinable
    public func microseconds(_ value: Int64) -> Int64 {
        switch self {
        case .second: value &* 1_000_000
        case .millisecond: value &* 1_000
        case .microsecond: value
        case .nanosecond: value / 1_000
        }
    }
}

/// What an interval counts.
public enum ArrowIntervalUnit: Int16, Sendable, Hashable {
    /// Months, 32-bit.
    case yearMonth = 0
    /// Days and milliseconds, 32-bit each.
    case dayTime
    /// Months and days (32-bit) and nanoseconds (64-bit).
    case monthDayNano
}

/// A column's logical type.
public indirect enum ArrowType: Sendable, Hashable {
    case null
    case bool
    case int(bitWidth: Int, signed: Bool)
    case float32, float64
    case decimal(precision: Int, scale: Int)
    /// Days since 1970-01-01 (32-bit) or milliseconds since the epoch (64-bit).
    case date32, date64
    case timestamp(ArrowTimeUnit, timezone: String?)
    /// A time of day in `unit`s since midnight (32-bit for seconds and milliseconds, else 64-bit).
    case time(ArrowTimeUnit)
    case duration(ArrowTimeUnit)
    case interval(ArrowIntervalUnit)
    case utf8, largeUtf8
    case binary, largeBinary
    case fixedSizeBinary(Int)
    /// A list of the one child field's values (32-bit or 64-bit offsets).
    case list, largeList
    case fixedSizeList(Int)
    case `struct`
    /// Entries of the one child (a struct of key and value).
    case map(keysSorted: Bool)

    /// The bytes of one value in the data buffer, for fixed-width types.
    var width: Int? {
        switch self {
        case .int(let bits, _): bits / 8
        case .float32, .date32, .interval(.yearMonth): 4
        case .float64, .date64, .timestamp, .duration, .interval(.dayTime): 8
        case .time(let unit): unit == .second || unit == .millisecond ? 4 : 8
        case .decimal, .interval(.monthDayNano): 16
        case .fixedSizeBinary(let size): size
        default: nil
        }
    }
}

/// How a dictionary-encoded field's batches refer to its values: indices into the dictionary
/// with `id`, sent in dictionary batches.
public struct ArrowDictionaryEncoding: Sendable, Hashable {
    public var id: Int64
    /// The indices' integer type.
    public var indexType: ArrowType
}

/// A field of a schema.
public struct ArrowField: Sendable, Hashable {
    public var name: String
    /// The values' type (for a dictionary-encoded field, the dictionary's values).
    public var type: ArrowType
    public var nullable: Bool
    public var children: [ArrowField]
    /// Set when the field's batches hold indices into a dictionary.
    public var dictionary: ArrowDictionaryEncoding?

    public init(name: String, type: ArrowType, nullable: Bool = true, children: [ArrowField] = [], dictionary: ArrowDictionaryEncoding? = nil) {
        self.name = name
        self.type = type
        self.nullable = nullable
        self.children = children
        self.dictionary = dictionary
    }
}

/// The fields of every record batch of a stream.
public struct ArrowSchema: Sendable, Hashable {
    public var fields: [ArrowField]

    public init(fields: [ArrowField]) {
        self.fields = fields
    }

    /// Reads a Schema table (Schema.fbs).
    init(_ table: FlatTable) throws(ArrowError) {
        let endianness: Int16 = try table.scalar(0, 0)
        guard endianness == 0 else { throw .unsupported("big-endian data") }
        var fields: [ArrowField] = []
        for field in try table.tables(1) { fields.append(try Self.field(field, depth: 0)) }
        self.fields = fields
    }

    /// The deepest nesting read: deeper schemas are refused rather than recursed into.
    static let deepestNesting = 64

    private static func field(_ table: FlatTable, depth: Int) throws(ArrowError) -> ArrowField {
        guard depth < deepestNesting else { throw .malformed("fields nested deeper than \(deepestNesting)") }
        let name = try table.string(0) ?? ""
        let nullable = try table.bool(1, false)
        var dictionary: ArrowDictionaryEncoding?
        if let encoding = try table.table(4) {
            var indexType = ArrowType.int(bitWidth: 32, signed: true)
            if let index = try encoding.table(1) {
                let bits: Int32 = try index.scalar(0, 0)
                guard [8, 16, 32, 64].contains(bits) else { throw .malformed("the dictionary of '\(name)' has indices of \(bits) bits") }
                indexType = .int(bitWidth: Int(bits), signed: try index.bool(1, false))
            }
            dictionary = ArrowDictionaryEncoding(id: try encoding.scalar(0, Int64(0)), indexType: indexType)
        }
        var children: [ArrowField] = []
        for child in try table.tables(5) { children.append(try field(child, depth: depth + 1)) }
        let typeId: UInt8 = try table.scalar(2, 0)
        let type = try Self.type(typeId, try table.table(3), name: name, children: children.count)
        return ArrowField(name: name, type: type, nullable: nullable, children: children, dictionary: dictionary)
    }

    /// Every dictionary-encoded field, nested ones included, by dictionary id.
    var dictionaryFields: [Int64: ArrowField] {
        var found: [Int64: ArrowField] = [:]
        func visit(_ field: ArrowField) {
            if let encoding = field.dictionary { found[encoding.id] = field }
            field.children.forEach(visit)
        }
        fields.forEach(visit)
        return found
    }

    private static func type(_ id: UInt8, _ table: FlatTable?, name: String, children: Int) throws(ArrowError) -> ArrowType {
        func needs(_ count: Int) throws(ArrowError) {
            guard children == count else { throw .malformed("the field '\(name)' has \(children) children where its type takes \(count)") }
        }
        let type: ArrowType
        switch id {
        case 1: type = .null
        case 2:
            let bits: Int32 = try table?.scalar(0, 0) ?? 0
            guard [8, 16, 32, 64].contains(bits) else { throw .malformed("the field '\(name)' is an integer of \(bits) bits") }
            type = .int(bitWidth: Int(bits), signed: try table?.bool(1, false) ?? false)
        case 3:
            switch try table?.scalar(0, Int16(0)) ?? 0 {
            case 1: type = .float32
            case 2: type = .float64
            default: throw .unsupported("the half-precision float field '\(name)'")
            }
        case 4: type = .binary
        case 5: type = .utf8
        case 6: type = .bool
        case 7:
            let bits: Int32 = try table?.scalar(2, 128) ?? 128
            guard bits == 128 else { throw .unsupported("the \(bits)-bit decimal field '\(name)'") }
            type = .decimal(precision: Int(try table?.scalar(0, Int32(0)) ?? 0), scale: Int(try table?.scalar(1, Int32(0)) ?? 0))
        case 8: type = try table?.scalar(0, Int16(1)) == 0 ? .date32 : .date64
        case 9:
            guard let unit = ArrowTimeUnit(rawValue: try table?.scalar(0, Int16(1)) ?? 1) else {
                throw .malformed("the field '\(name)' has an unknown time unit")
            }
            let bits: Int32 = try table?.scalar(1, 32) ?? 32
            guard bits == (unit == .second || unit == .millisecond ? 32 : 64) else {
                throw .malformed("the time field '\(name)' has \(bits) bits for its unit")
            }
            type = .time(unit)
        case 11:
            guard let unit = ArrowIntervalUnit(rawValue: try table?.scalar(0, Int16(0)) ?? 0) else {
                throw .malformed("the field '\(name)' has an unknown interval unit")
            }
            type = .interval(unit)
        case 18:
            guard let unit = ArrowTimeUnit(rawValue: try table?.scalar(0, Int16(1)) ?? 1) else {
                throw .malformed("the field '\(name)' has an unknown time unit")
            }
            type = .duration(unit)
        case 10:
            guard let unit = ArrowTimeUnit(rawValue: try table?.scalar(0, Int16(0)) ?? 0) else {
                throw .malformed("the field '\(name)' has an unknown time unit")
            }
            type = .timestamp(unit, timezone: try table?.string(1))
        case 12: type = .list
        case 13: type = .struct
        case 15:
            let size: Int32 = try table?.scalar(0, 0) ?? 0
            guard size > 0 else { throw .malformed("the field '\(name)' has a fixed size of \(size)") }
            type = .fixedSizeBinary(Int(size))
        case 16:
            let size: Int32 = try table?.scalar(0, 0) ?? 0
            guard size >= 0 else { throw .malformed("the field '\(name)' has a list size of \(size)") }
            type = .fixedSizeList(Int(size))
        case 17: type = .map(keysSorted: try table?.bool(0, false) ?? false)
        case 19: type = .largeBinary
        case 20: type = .largeUtf8
        case 21: type = .largeList
        default: throw .unsupported("the field '\(name)' of Arrow type number \(id)")
        }
        switch type {
        case .list, .largeList, .fixedSizeList, .map: try needs(1)
        case .struct: break
        default: try needs(0)
        }
        return type
    }
}
