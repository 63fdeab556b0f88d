// The Arrow IPC streaming format: encapsulated messages (a 0xFFFFFFFF continuation marker, the
// metadata's length, a FlatBuffers Message, then its body), a Schema first and record batches
// after it, ended by a zero length. Spark Connect sends each batch as such a stream; the
// Databricks SQL protocol sends the schema once and the batches as messages of their own, which is
// why the reader keeps the schema between calls.

/// One record batch: a column per field of the schema, each `length` values long.
public struct ArrowRecordBatch: Sendable {
    public let length: Int
    public let columns: [ArrowArray]
}

/// Reads the messages of an Arrow IPC stream.
public struct ArrowStreamReader: Sendable {
    /// The schema, once a Schema message was read (or given).
    public private(set) var schema: ArrowSchema?
    /// Whether the end-of-stream marker was read.
    public private(set) var ended = false
    /// The largest message (metadata or body) accepted.
    public var largestMessage: Int
    /// The dictionaries sent so far, by id.
    private var dictionaries: [Int64: ArrowArray] = [:]

    public init(schema: ArrowSchema? = nil, largestMessage: Int = 1 << 31) {
        self.schema = schema
        self.largestMessage = largestMessage
    }

    /// Reads every message in `bytes`, which hold whole messages, and returns the record batches.
    public mutating func read(_ bytes: [UInt8]) throws(ArrowError) -> [ArrowRecordBatch] {
        var batches: [ArrowRecordBatch] = []
        var position = 0
        while position < bytes.count {
            guard !ended else { throw .malformed("bytes after the end of the stream") }
            var length: Int32 = try FlatTable.read(bytes, at: position)
            position += 4
            if length == -1 {  // 0xFFFFFFFF: the continuation marker before the length
                length = try FlatTable.read(bytes, at: position)
                position += 4
            }
            guard length >= 0, Int(length) <= min(largestMessage, bytes.count - position) else {
                throw .malformed("a message's metadata of \(length) bytes runs past the \(bytes.count - position) bytes left")
            }
            if length == 0 {
                ended = true
                continue
            }
            let metadata = Array(bytes[position..<(position + Int(length))])
            position += Int(length)
            let message = try FlatTable(root: metadata)
            let version: Int16 = try message.scalar(0, 0)
            guard version >= 3 else { throw .unsupported("metadata version V\(version + 1) (V4 or later is read)") }
            let bodyLength: Int64 = try message.scalar(3, 0)
            guard bodyLength >= 0, bodyLength <= Int64(min(largestMessage, bytes.count - position)) else {
                throw .malformed("a message's body of \(bodyLength) bytes runs past the \(bytes.count - position) bytes left")
            }
            let body = bytes[position..<(position + Int(bodyLength))]
            position += Int(bodyLength)
            let header = try message.table(2)
            switch try message.scalar(1, UInt8(0)) {
            case 1:
                guard let header else { throw .malformed("a Schema message without its schema") }
                schema = try ArrowSchema(header)
            case 2:
                guard let header else { throw .malformed("a DictionaryBatch message without its batch") }
                guard let schema else { throw .malformed("a dictionary batch before the schema") }
                try readDictionary(header, body: body, schema: schema)
            case 3:
                guard let header else { throw .malformed("a RecordBatch message without its batch") }
                guard let schema else { throw .malformed("a record batch before the schema") }
                batches.append(try Self.batch(header, body: body, fields: schema.fields, dictionaries: dictionaries))
            case let kind: throw .unsupported("messages of header type \(kind)")
            }
        }
        return batches
    }

    /// Reads a DictionaryBatch (Message.fbs): the values of one dictionary, replacing what it held.
    private mutating func readDictionary(_ table: FlatTable, body: ArraySlice<UInt8>, schema: ArrowSchema) throws(ArrowError) {
        let id: Int64 = try table.scalar(0, 0)
        guard try !table.bool(2, false) else { throw .unsupported("dictionary deltas") }
        guard let field = schema.dictionaryFields[id] else { throw .malformed("a dictionary batch for dictionary \(id), which no field uses") }
        guard let data = try table.table(1) else { throw .malformed("a dictionary batch without its data") }
        var values = field
        values.dictionary = nil
        let batch = try Self.batch(data, body: body, fields: [values], dictionaries: dictionaries)
        dictionaries[id] = batch.columns[0]
    }

    /// A buffer of a compressed body: its length uncompressed (-1: stored as is), then an LZ4 frame.
    static func decompressed(_ buffer: ArraySlice<UInt8>) throws(ArrowError) -> ArraySlice<UInt8> {
        guard !buffer.isEmpty else { return buffer }
        guard buffer.count >= 8 else { throw .malformed("a compressed buffer of \(buffer.count) bytes lacks its length") }
        let length = buffer.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
        let content = buffer.dropFirst(8)
        if length == -1 { return content }
        guard length >= 0, length <= Int64(Int32.max) else { throw .malformed("a compressed buffer claims \(length) bytes") }
        let bytes = try LZ4Frame.decompress(content, limit: Int(length))
        guard bytes.count == Int(length) else { throw .malformed("a buffer decompressed to \(bytes.count) bytes where \(length) were announced") }
        return bytes[...]
    }

    /// A record batch from its RecordBatch table (Message.fbs) and the message body.
    static func batch(
        _ table: FlatTable,
        body: ArraySlice<UInt8>,
        fields: [ArrowField],
        dictionaries: [Int64: ArrowArray]
    ) throws(ArrowError) -> ArrowRecordBatch {
        let compressed = try table.table(3)
        if let compressed {
            guard try compressed.scalar(1, Int8(0)) == 0 else { throw .unsupported("record batch bodies compressed other than buffer by buffer") }
            guard try compressed.scalar(0, Int8(0)) == 0 else {
                throw .unsupported("ZSTD-compressed record batch bodies (LZ4 frames and uncompressed bodies are read)")
            }
        }
        let length: Int64 = try table.scalar(0, 0)
        guard length >= 0, length <= Int64(Int32.max) * 64 else { throw .malformed("a record batch of \(length) rows") }
        var nodes = try table.pairs(1)[...]
        var buffers: ArraySlice<ArraySlice<UInt8>> = []
        var bufferSlices: [ArraySlice<UInt8>] = []
        for (offset, size) in try table.pairs(2) {
            guard offset >= 0, size >= 0, offset <= Int64(body.count), size <= Int64(body.count) - offset else {
                throw .malformed("a buffer of \(size) bytes at \(offset) lies outside the \(body.count)-byte body")
            }
            let start = body.startIndex + Int(offset)
            let buffer = body[start..<(start + Int(size))]
            bufferSlices.append(compressed == nil ? buffer : try decompressed(buffer))
        }
        buffers = bufferSlices[...]
        var columns: [ArrowArray] = []
        for field in fields {
            let column = try ArrowArray.read(field, nodes: &nodes, buffers: &buffers, dictionaries: dictionaries)
            guard column.length == Int(length) else {
                throw .malformed("the column '\(field.name)' has \(column.length) values in a batch of \(length)")
            }
            columns.append(column)
        }
        return ArrowRecordBatch(length: Int(length), columns: columns)
    }
}
