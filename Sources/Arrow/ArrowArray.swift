// One column of a record batch, as Arrow lays it out: a validity bitmap and the type's buffers
// (values; offsets and bytes; or children), kept as the message body's bytes and read in place.
// Every buffer is checked against the column's length when the column is made; each read is
// checked again against its buffer, so a wrong index or accessor traps instead of reading elsewhere.

/// A column of `length` values of its field's type. A class: a column is handed around with every
/// cell read from it (a result batch's value accessors), and a copy is then one reference, not the
/// field, the buffers and the children (profiled: copying the struct was a fifth of a fetch's CPU).
public final class ArrowArray: Sendable {
    /// The field the values are of (its children name the children's fields).
    public let field: ArrowField
    public let length: Int
    public let nullCount: Int
    /// One bit per value, set when the value is present; `nil` when none is null.
    let validity: ArraySlice<UInt8>?
    /// Fixed-width values, or the bits of booleans, or the bytes of variable-width values.
    let values: ArraySlice<UInt8>
    /// Offsets into `values` (or into the child), `length + 1` of them, 4 or 8 bytes each.
    let offsets: ArraySlice<UInt8>
    /// The children (for a dictionary-encoded column, the dictionary values' children).
    public let children: [ArrowArray]
    /// For a dictionary-encoded column, the dictionary (its own `values` then hold indices).
    let dictionary: [ArrowArray]

    init(
        field: ArrowField,
        length: Int,
        nullCount: Int,
        validity: ArraySlice<UInt8>?,
        values: ArraySlice<UInt8>,
        offsets: ArraySlice<UInt8>,
        children: [ArrowArray],
        dictionary: [ArrowArray]
    ) {
        self.field = field
        self.length = length
        self.nullCount = nullCount
        self.validity = validity
        self.values = values
        self.offsets = offsets
        self.children = children
        self.dictionary = dictionary
    }

    /// The values' type.
    public var type: ArrowType { field.type }

    /// Whether the value at `index` is null.
    public func isNull(_ index: Int) -> Bool {
        if case .null = type { return true }
        if isNullHere(index) { return true }
        if let values = dictionary.first { return values.isNull(key(index)) }
        return false
    }

    /// The dictionary index at `index`.
    func key(_ index: Int) -> Int {
        switch field.dictionary?.indexType {
        case .int(8, true): Int(load(index, from: values, as: Int8.self))
        case .int(8, false): Int(load(index, from: values, as: UInt8.self))
        case .int(16, true): Int(load(index, from: values, as: Int16.self))
        case .int(16, false): Int(load(index, from: values, as: UInt16.self))
        case .int(32, false): Int(load(index, from: values, as: UInt32.self))
        case .int(64, _): Int(truncatingIfNeeded: load(index, from: values, as: Int64.self))
        default: Int(load(index, from: values, as: Int32.self))
        }
    }

    /// The `index`th value of `T` in `buffer`. Reading past the buffer (an index beyond the column,
    /// or an accessor of another type's width) stops the program rather than reading other memory.
    private func load<T: FixedWidthInteger>(_ index: Int, from buffer: ArraySlice<UInt8>, as: T.Type) -> T {
        let offset = index &* MemoryLayout<T>.size
        precondition(index >= 0 && offset <= buffer.count - MemoryLayout<T>.size, "Arrow value \(index) read past its buffer")
        return buffer.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    /// How the integers of this type are stored.
    enum IntegerStorage {
        case int8, int16, int32, uint8, uint16, uint32, int64
    }

    var integerStorage: IntegerStorage {
        switch type {
        case .int(8, true): .int8
        case .int(16, true): .int16
        case .int(32, true), .date32, .interval(.yearMonth), .time(.second), .time(.millisecond): .int32
        case .int(8, false): .uint8
        case .int(16, false): .uint16
        case .int(32, false): .uint32
        default: .int64
        }
    }

    /// An integer value (any width, signed or not, dates and timestamps as stored); unsigned 64-bit
    /// values above `Int64.max` wrap.
    public func int64(_ index: Int) -> Int64 {
        if let values = dictionary.first { return values.int64(key(index)) }
        return switch integerStorage {
        case .int8: Int64(load(index, from: values, as: Int8.self))
        case .int16: Int64(load(index, from: values, as: Int16.self))
        case .int32: Int64(load(index, from: values, as: Int32.self))
        case .uint8: Int64(load(index, from: values, as: UInt8.self))
        case .uint16: Int64(load(index, from: values, as: UInt16.self))
        case .uint32: Int64(load(index, from: values, as: UInt32.self))
        case .int64: load(index, from: values, as: Int64.self)
        }
    }

    /// A day-time interval: days and milliseconds.
    public func intervalDayTime(_ index: Int) -> (days: Int32, milliseconds: Int32) {
        if let values = dictionary.first { return values.intervalDayTime(key(index)) }
        return (load(2 * index, from: values, as: Int32.self), load(2 * index + 1, from: values, as: Int32.self))
    }

    /// A month-day-nanosecond interval.
    public func intervalMonthDayNano(_ index: Int) -> (months: Int32, days: Int32, nanoseconds: Int64) {
        if let values = dictionary.first { return values.intervalMonthDayNano(key(index)) }
        return (
            load(4 * index, from: values, as: Int32.self), load(4 * index + 1, from: values, as: Int32.self),
            load(2 * index + 1, from: values, as: Int64.self)
        )
    }

    /// An unsigned 64-bit value.
    public func uint64(_ index: Int) -> UInt64 {
        if let values = dictionary.first { return values.uint64(key(index)) }
        return load(index, from: values, as: UInt64.self)
    }

    /// A floating-point value.
    public func double(_ index: Int) -> Double {
        if let values = dictionary.first { return values.double(key(index)) }
        if case .float32 = type { return Double(Float(bitPattern: load(index, from: values, as: UInt32.self))) }
        return Double(bitPattern: load(index, from: values, as: UInt64.self))
    }

    /// A boolean value.
    public func bool(_ index: Int) -> Bool {
        if let values = dictionary.first { return values.bool(key(index)) }
        return values[values.startIndex + index >> 3] & (1 << UInt8(index & 7)) != 0
    }

    /// A decimal's unscaled value as two's complement 128 bits: the high and low 64 bits.
    public func decimal128(_ index: Int) -> (high: Int64, low: UInt64) {
        if let values = dictionary.first { return values.decimal128(key(index)) }
        return (load(2 * index + 1, from: values, as: Int64.self), load(2 * index, from: values, as: UInt64.self))
    }

    /// A decimal's unscaled value.
    public func unscaledDecimal(_ index: Int) -> Int128 {
        let parts = decimal128(index)
        return Int128(parts.high) << 64 | Int128(parts.low)
    }

    /// The range a variable-width value, a list's elements or a map's entries occupy.
    public func range(_ index: Int) -> Range<Int> {
        if let values = dictionary.first { return values.range(key(index)) }
        switch type {
        case .fixedSizeBinary(let size), .fixedSizeList(let size): return (index * size)..<((index + 1) * size)
        case .largeUtf8, .largeBinary, .largeList:
            return Int(load(index, from: offsets, as: Int64.self))..<Int(load(index + 1, from: offsets, as: Int64.self))
        default:
            return Int(load(index, from: offsets, as: Int32.self))..<Int(load(index + 1, from: offsets, as: Int32.self))
        }
    }

    /// The bytes of a binary or text value.
    public func bytes(_ index: Int) -> ArraySlice<UInt8> {
        if let values = dictionary.first { return values.bytes(key(index)) }
        let range = range(index)
        return values[(values.startIndex + range.lowerBound)..<(values.startIndex + range.upperBound)]
    }

    /// A text value (invalid UTF-8 is repaired with U+FFFD).
    public func string(_ index: Int) -> String { String(decoding: bytes(index), as: UTF8.self) }
}

extension ArrowArray {
    /// Assembles a column from the batch's nodes and buffers (taken in order), checking each
    /// buffer against what `field` at `length` needs.
    static func read(
        _ field: ArrowField,
        nodes: inout ArraySlice<(Int64, Int64)>,
        buffers: inout ArraySlice<ArraySlice<UInt8>>,
        dictionaries: [Int64: ArrowArray],
        depth: Int = 0
    ) throws(ArrowError) -> ArrowArray {
        guard let (nodeLength, nodeNulls) = nodes.popFirst() else { throw .malformed("fewer field nodes than fields") }
        guard nodeLength >= 0, nodeLength <= Int64(Int32.max) * 64, nodeNulls >= 0, nodeNulls <= nodeLength else {
            throw .malformed("the field '\(field.name)' has \(nodeLength) values of which \(nodeNulls) null")
        }
        let length = Int(nodeLength)
        let nullCount = Int(nodeNulls)
        func next() throws(ArrowError) -> ArraySlice<UInt8> {
            guard let buffer = buffers.popFirst() else { throw .malformed("fewer buffers than the fields' types need") }
            return buffer
        }
        func need(_ buffer: ArraySlice<UInt8>, _ bytes: Int, _ what: String) throws(ArrowError) {
            guard buffer.count >= bytes else {
                throw .malformed("the \(what) of '\(field.name)' holds \(buffer.count) bytes where \(bytes) are needed")
            }
        }
        var validity: ArraySlice<UInt8>?
        if case .null = field.type {
            // The null type has no buffers.
        } else {
            let bitmap = try next()
            if nullCount > 0 {
                try need(bitmap, (length + 7) / 8, "validity bitmap")
                validity = bitmap
            }
        }
        if let encoding = field.dictionary {
            guard let dictionary = dictionaries[encoding.id] else {
                throw .malformed("'\(field.name)' refers to dictionary \(encoding.id) before it was sent")
            }
            let indices = try next()
            let (total, overflow) = length.multipliedReportingOverflow(by: encoding.indexType.width!)
            guard !overflow else { throw .malformed("the field '\(field.name)' is too long") }
            try need(indices, total, "indices")
            let array = ArrowArray(
                field: field,
                length: length,
                nullCount: nullCount,
                validity: validity,
                values: indices,
                offsets: [],
                children: dictionary.children,
                dictionary: [dictionary]
            )
            for index in 0..<length where validity == nil || !array.isNullHere(index) {
                guard (0..<dictionary.length).contains(array.key(index)) else {
                    throw .malformed("an index of '\(field.name)' lies outside its dictionary of \(dictionary.length) values")
                }
            }
            return array
        }
        var values = ArraySlice<UInt8>()
        var offsets = ArraySlice<UInt8>()
        var children: [ArrowArray] = []
        func child(_ index: Int, _ count: Int) throws(ArrowError) -> ArrowArray {
            guard depth < ArrowSchema.deepestNesting else { throw .malformed("columns nested too deep") }
            let array = try read(field.children[index], nodes: &nodes, buffers: &buffers, dictionaries: dictionaries, depth: depth + 1)
            guard array.length >= count else {
                throw .malformed("the child '\(field.children[index].name)' of '\(field.name)' has \(array.length) values where \(count) are needed")
            }
            return array
        }
        switch field.type {
        case .null:
            break
        case .bool:
            values = try next()
            try need(values, (length + 7) / 8, "values")
        case .int, .float32, .float64, .decimal, .date32, .date64, .timestamp, .time, .duration, .interval, .fixedSizeBinary:
            values = try next()
            let (total, overflow) = length.multipliedReportingOverflow(by: field.type.width!)
            guard !overflow else { throw .malformed("the field '\(field.name)' is too long") }
            try need(values, total, "values")
        case .utf8, .binary, .largeUtf8, .largeBinary:
            offsets = try next()
            values = try next()
            try checkOffsets(offsets, length: length, wide: field.type == .largeUtf8 || field.type == .largeBinary, within: values.count, field.name)
        case .list, .largeList, .map:
            offsets = try next()
            // The child's length is read first, then the offsets are checked against it.
            let elements = try read(field.children[0], nodes: &nodes, buffers: &buffers, dictionaries: dictionaries, depth: depth + 1)
            try checkOffsets(offsets, length: length, wide: field.type == .largeList, within: elements.length, field.name)
            if case .map = field.type {
                guard case .struct = elements.type, elements.children.count == 2 else {
                    throw .malformed("the map '\(field.name)' does not hold key-value entries")
                }
            }
            children = [elements]
        case .fixedSizeList(let size):
            let (total, overflow) = length.multipliedReportingOverflow(by: size)
            guard !overflow else { throw .malformed("the field '\(field.name)' is too long") }
            children = [try child(0, total)]
        case .struct:
            for index in field.children.indices { children.append(try child(index, length)) }
        }
        return ArrowArray(
            field: field,
            length: length,
            nullCount: nullCount,
            validity: validity,
            values: values,
            offsets: offsets,
            children: children,
            dictionary: []
        )
    }

    /// Whether the column's own validity marks `index` null (not looking into a dictionary).
    func isNullHere(_ index: Int) -> Bool {
        guard let validity else { return false }
        return validity[validity.startIndex + index >> 3] & (1 << UInt8(index & 7)) == 0
    }

    /// Offsets are `length + 1` non-decreasing values from 0 or more up to at most `limit`.
    private static func checkOffsets(_ offsets: ArraySlice<UInt8>, length: Int, wide: Bool, within limit: Int, _ name: String) throws(ArrowError) {
        let width = wide ? 8 : 4
        guard length == 0 || offsets.count >= (length + 1) * width else {
            throw .malformed("the offsets of '\(name)' hold \(offsets.count) bytes for \(length) values")
        }
        guard length > 0 else { return }
        let valid = offsets.withUnsafeBytes { raw -> Bool in
            var previous = 0
            for index in 0...length {
                let offset =
                    wide
                    ? Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)))
                    : Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
                guard offset >= (index == 0 ? 0 : previous), offset <= limit else { return false }
                previous = offset
            }
            return true
        }
        guard valid else { throw .malformed("the offsets of '\(name)' decrease or point past its \(limit) bytes or values") }
    }
}
