// One column of the row group being written: values arrive in batches and are encoded into pages
// (PLAIN, or dictionary indices for strings and binary while the dictionary stays small), each page
// compressed as soon as it is full, so a row group's memory is its encoded size.

#if !_endian(little)
#error("the Parquet writer copies fixed-width values as they are in memory: it needs a little-endian machine")
#endif

/// The encoded pages of one column chunk, ready to be written.
struct EncodedColumnChunk {
    var dictionaryPage: [UInt8]?
    var dataPages: [UInt8]
    var valueCount: Int64
    var uncompressedSize: Int64
    var encodings: [ParquetEncoding]
    var statistics: EncodedStatistics
}

struct ColumnChunkBuilder {
    let field: ParquetField
    let pageSize: Int
    let dictionaryLimit: Int

    // The page being filled.
    private var pageRows = 0
    private var pageNulls = 0
    private var levels: [UInt8] = []
    private var values: [UInt8] = []
    private var booleans: [Bool] = []
    private var indices: [UInt32] = []

    // The dictionary (string and binary columns), until it outgrows `dictionaryLimit`.
    private var usesDictionary: Bool
    private var dictionary = ByteDictionary()
    private var hasDictionaryPages = false
    private var hasPlainPages = false

    // The finished pages of this chunk.
    private var pages: [UInt8] = []
    private var uncompressedSize = 0
    private var valueCount: Int64 = 0
    private var statistics = ColumnStatistics()

    init(field: ParquetField, pageSize: Int, dictionaryLimit: Int) {
        self.field = field
        self.pageSize = pageSize
        self.dictionaryLimit = dictionaryLimit
        self.usesDictionary = field.type.physical == .byteArray && dictionaryLimit > 0
    }

    /// Bytes held for this chunk so far.
    var bufferedBytes: Int { pages.count + values.count + indices.count * 4 + levels.count + booleans.count / 8 + dictionary.page.count }

    /// Whether the chunk holds any rows.
    var isEmpty: Bool { valueCount == 0 && pageRows == 0 }

    // MARK: Appending

    /// Checks a batch's column against the field without changing anything: the writer checks
    /// every column of a batch before appending any, so a refused batch leaves the file as it was.
    func validate(_ column: ParquetColumn) throws(ParquetError) {
        if !field.nullable, let nulls = column.nulls, nulls.contains(true) {
            throw ParquetError(.invalidBatch, "column '\(field.name)' is not nullable but the batch has nulls")
        }
        if let nulls = column.nulls, nulls.count != column.count {
            throw ParquetError(.invalidBatch, "column '\(field.name)': \(nulls.count) null flags for \(column.count) values")
        }
        func isNull(_ row: Int) -> Bool { column.nulls?[row] ?? false }
        switch (field.type, column.values) {
        case (.boolean, .boolean), (.int32, .int32), (.date, .int32), (.int64, .int64), (.timestampMicros, .int64), (.float, .float),
            (.double, .double), (.string, .string), (.binary, .binary):
            return
        case (.int8, .int32(let items)), (.int16, .int32(let items)):
            let range: ClosedRange<Int32> = field.type == .int8 ? -128...127 : -32768...32767
            if let bad = items.indices.first(where: { !range.contains(items[$0]) && !isNull($0) }) {
                throw ParquetError(.invalidBatch, "column '\(field.name)' (\(field.type)): \(items[bad]) is out of range")
            }
        case (.decimal(let precision, _), .decimal(let items)):
            try Self.checkDigits(items.lazy.map { $0 }, precision: precision, isNull, field)
        case (.decimal(let precision, _), .int64(let items)) where precision <= 18:
            try Self.checkDigits(items.lazy.map { Int128($0) }, precision: precision, isNull, field)
        case (.decimal(let precision, _), .int32(let items)) where precision <= 9:
            try Self.checkDigits(items.lazy.map { Int128($0) }, precision: precision, isNull, field)
        default:
            throw ParquetError(.invalidBatch, "column '\(field.name)' is \(field.type) but the batch holds other values")
        }
    }

    private static func checkDigits(
        _ items: some RandomAccessCollection<Int128>,
        precision: Int,
        _ isNull: (Int) -> Bool,
        _ field: ParquetField
    ) throws(ParquetError) {
        let limit = powerOfTen(precision)
        for (row, value) in items.enumerated() where (value >= limit || value <= -limit) && !isNull(row) {
            throw ParquetError(.invalidBatch, "column '\(field.name)' (\(field.type)): the unscaled value \(value) has more than \(precision) digits")
        }
    }

    /// Appends one batch's column (checked by ``validate(_:)``).
    mutating func append(_ column: ParquetColumn, compressor: PageCompressor) throws(ParquetError) {
        switch (field.type, column.values) {
        case (.boolean, .boolean(let items)):
            try appendEach(items, column.nulls, compressor) { builder, value in
                builder.booleans.append(value)
                builder.statistics.observe(bool: value)
            }
        case (.int8, .int32(let items)), (.int16, .int32(let items)), (.int32, .int32(let items)), (.date, .int32(let items)):
            try appendFixedWidth(items, column.nulls, compressor) { $0.observe(integer: Int64($1)) }
        case (.int64, .int64(let items)), (.timestampMicros, .int64(let items)):
            try appendFixedWidth(items, column.nulls, compressor) { $0.observe(integer: $1) }
        case (.float, .float(let items)):
            try appendFixedWidth(items, column.nulls, compressor) { $0.observe(double: Double($1)) }
        case (.double, .double(let items)):
            try appendFixedWidth(items, column.nulls, compressor) { $0.observe(double: $1) }
        case (.string, .string(let items)):
            try appendEach(items, column.nulls, compressor) { builder, value in
                if value.utf8.withContiguousStorageIfAvailable({ builder.appendBytes($0) }) == nil {
                    Array(value.utf8).withUnsafeBufferPointer { builder.appendBytes($0) }
                }
            }
        case (.binary, .binary(let items)):
            try appendEach(items, column.nulls, compressor) { builder, value in
                value.withUnsafeBufferPointer { builder.appendBytes($0) }
            }
        case (.decimal, .decimal(let items)):
            try appendDecimals(items, column.nulls, compressor)
        case (.decimal(let precision, _), .int64(let items)) where precision <= 18:
            if precision <= 9 {
                try appendDecimals(items.map { Int128($0) }, column.nulls, compressor)
            } else {
                try appendFixedWidth(items, column.nulls, compressor) { $0.observe(integer: $1) }
            }
        case (.decimal, .int32(let items)):
            try appendFixedWidth(items, column.nulls, compressor) { $0.observe(integer: Int64($1)) }
        default:
            throw ParquetError(.invalidBatch, "column '\(field.name)' is \(field.type) but the batch holds other values")
        }
    }

    private mutating func appendDecimals(_ items: [Int128], _ nulls: [Bool]?, _ compressor: PageCompressor) throws(ParquetError) {
        let physical = field.type.physical
        let length = field.type.fixedLength ?? 0
        try appendEach(items, nulls, compressor) { builder, value in
            switch physical {
            case .int32: builder.values.appendLittleEndian(Int32(truncatingIfNeeded: value))
            case .int64: builder.values.appendLittleEndian(Int64(truncatingIfNeeded: value))
            default: builder.values.append(contentsOf: ColumnStatistics.bigEndian(value, length: length))
            }
            builder.statistics.observe(decimal: value)
        }
    }

    static func powerOfTen(_ exponent: Int) -> Int128 {
        var value: Int128 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Fixed-width values, a page's worth at a time: one copy of the bytes when those rows have no
    /// nulls (this is a little-endian machine, and PLAIN is little-endian), value by value otherwise.
    private mutating func appendFixedWidth<Value: BitwiseCopyable>(
        _ items: [Value],
        _ nulls: [Bool]?,
        _ compressor: PageCompressor,
        observe: (inout ColumnStatistics, Value) -> Void
    ) throws(ParquetError) {
        let width = MemoryLayout<Value>.stride
        var start = 0
        while start < items.count {
            let end = min(items.count, start + max(1, (pageSize - values.count) / width))
            let hasNulls = nulls.map { $0[start..<end].contains(true) } ?? false
            if field.nullable {
                if hasNulls {
                    for row in start..<end { levels.append(nulls![row] ? 0 : 1) }
                } else {
                    levels.append(contentsOf: repeatElement(1, count: end - start))
                }
            }
            pageRows += end - start
            items.withUnsafeBufferPointer { buffer in
                let bytes = UnsafeRawBufferPointer(buffer)
                if hasNulls {
                    for row in start..<end {
                        if nulls![row] {
                            pageNulls += 1
                            statistics.nullCount += 1
                        } else {
                            values.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[(row * width)..<((row + 1) * width)]))
                            observe(&statistics, buffer[row])
                        }
                    }
                } else {
                    values.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[(start * width)..<(end * width)]))
                    for row in start..<end { observe(&statistics, buffer[row]) }
                }
            }
            start = end
            if values.count >= pageSize { try finishPage(compressor) }
        }
    }

    /// Runs `append` for every non-null value, recording definition levels and cutting pages.
    @inline(__always)
    private mutating func appendEach<Value>(
        _ items: [Value],
        _ nulls: [Bool]?,
        _ compressor: PageCompressor,
        _ append: (inout ColumnChunkBuilder, Value) -> Void
    ) throws(ParquetError) {
        let nullable = field.nullable
        for row in items.indices {
            let isNull = nulls?[row] ?? false
            if nullable { levels.append(isNull ? 0 : 1) }
            pageRows += 1
            if isNull {
                pageNulls += 1
                statistics.nullCount += 1
            } else {
                append(&self, items[row])
            }
            if pendingDictionaryStop || values.count + indices.count * 2 + booleans.count / 8 >= pageSize { try finishPage(compressor) }
        }
    }

    /// A byte array: its number in the dictionary into the page (a new entry into the dictionary and
    /// the statistics), or the PLAIN value into the page.
    @inline(__always)
    private mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        if usesDictionary {
            let (number, inserted) = dictionary.number(of: bytes)
            indices.append(number)
            if inserted {
                statistics.observe(bytes: bytes)
                if dictionary.page.count > dictionaryLimit { stopDictionary() }
            }
        } else {
            values.appendLittleEndian(UInt32(bytes.count))
            values.append(contentsOf: bytes)
            statistics.observe(bytes: bytes)
        }
    }

    /// From here on the chunk is PLAIN: the page so far is finished with the dictionary right after
    /// this value (see `appendEach`), later pages hold values.
    private mutating func stopDictionary() {
        usesDictionary = false
        dictionary.dropIndex()
        pendingDictionaryStop = true
    }

    private var pendingDictionaryStop = false

    // MARK: Pages

    /// Encodes, compresses and keeps the current page.
    mutating func finishPage(_ compressor: PageCompressor) throws(ParquetError) {
        guard pageRows > 0 else { return }
        // The page body: [levels] [dictionary indices | packed booleans] [PLAIN values]. The
        // values stay where they are; uncompressed pages copy them straight into the chunk.
        scratch.removeAll(keepingCapacity: true)
        if field.nullable {
            encodedLevels.removeAll(keepingCapacity: true)
            if pageNulls == 0 {
                RLEHybrid.appendRun(value: UInt8(1), count: pageRows, bitWidth: 1, into: &encodedLevels)
            } else {
                RLEHybrid.encode(levels, bitWidth: 1, into: &encodedLevels)
            }
            scratch.appendLittleEndian(UInt32(encodedLevels.count))
            scratch.append(contentsOf: encodedLevels)
        }
        let encoding: ParquetEncoding
        if !indices.isEmpty {
            let width = max(1, RLEHybrid.bitWidth(forMaximum: dictionary.count - 1))
            scratch.append(UInt8(width))
            RLEHybrid.encode(indices, bitWidth: width, into: &scratch)
            encoding = .rleDictionary
            hasDictionaryPages = true
        } else {
            if field.type.physical == .boolean {
                booleans.withUnsafeBufferPointer { flags in
                    flags.withMemoryRebound(to: UInt8.self) { RLEHybrid.pack($0, from: 0, count: $0.count, bitWidth: 1, into: &scratch) }
                }
            }
            encoding = .plain
            hasPlainPages = true
        }
        let bodySize = scratch.count + values.count
        if compressor.codec == .uncompressed {
            let header = ParquetMetadata.pageHeader(
                type: .dataPage,
                uncompressedSize: bodySize,
                compressedSize: bodySize,
                valueCount: pageRows,
                encoding: encoding
            )
            pages.append(contentsOf: header)
            pages.append(contentsOf: scratch)
            pages.append(contentsOf: values)
            uncompressedSize += header.count + bodySize
        } else {
            scratch.append(contentsOf: values)
            let headerSize: Int = try compressor.compress(scratch) { [pageRows] compressed in
                let header = ParquetMetadata.pageHeader(
                    type: .dataPage,
                    uncompressedSize: bodySize,
                    compressedSize: compressed.count,
                    valueCount: pageRows,
                    encoding: encoding
                )
                pages.append(contentsOf: header)
                pages.append(contentsOf: compressed)
                return header.count
            }
            uncompressedSize += headerSize + bodySize
        }
        valueCount += Int64(pageRows)
        pageRows = 0
        pageNulls = 0
        levels.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        booleans.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
        pendingDictionaryStop = false
    }

    private var scratch: [UInt8] = []
    private var encodedLevels: [UInt8] = []

    /// Finishes the chunk: its pages (moved out, not copied), dictionary and metadata; the builder
    /// starts a new chunk. Give the pages back with ``recycle(_:)`` once written.
    mutating func finishChunk(_ compressor: PageCompressor) throws(ParquetError) -> EncodedColumnChunk {
        try finishPage(compressor)
        var dictionaryPage: [UInt8]?
        var size = uncompressedSize
        if hasDictionaryPages {
            let header = try compressor.compress(dictionary.page) { compressed in
                let header = ParquetMetadata.pageHeader(
                    type: .dictionaryPage,
                    uncompressedSize: dictionary.page.count,
                    compressedSize: compressed.count,
                    valueCount: dictionary.count,
                    encoding: .plain
                )
                dictionaryPage = header + compressed
                return header
            }
            size += header.count + dictionary.page.count
        }
        var encodings: [ParquetEncoding] = [.rle]
        if hasPlainPages || hasDictionaryPages { encodings.append(.plain) }
        if hasDictionaryPages { encodings.append(.rleDictionary) }
        var data: [UInt8] = []
        swap(&data, &pages)
        let chunk = EncodedColumnChunk(
            dictionaryPage: dictionaryPage,
            dataPages: data,
            valueCount: valueCount,
            uncompressedSize: Int64(size),
            encodings: encodings,
            statistics: statistics.encoded(for: field.type)
        )
        // A new chunk, keeping the page buffers' capacity.
        usesDictionary = field.type.physical == .byteArray && dictionaryLimit > 0
        dictionary.removeAll()
        hasDictionaryPages = false
        hasPlainPages = false
        uncompressedSize = 0
        valueCount = 0
        statistics = ColumnStatistics()
        return chunk
    }

    /// Takes back a written chunk's page buffer, to fill again without allocating.
    mutating func recycle(_ buffer: [UInt8]) {
        guard pages.isEmpty else { return }
        pages = buffer
        pages.removeAll(keepingCapacity: true)
    }
}
