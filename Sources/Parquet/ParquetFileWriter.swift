// A streaming Parquet writer: batches of columns in, row groups out as soon as they reach their
// size, the footer at the end. Memory is bounded by the row-group size, not by the file.
import Foundation
import Synchronization
import Thrift

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a file is written.
public struct ParquetWriterOptions: Sendable {
    /// The codec of every page (default GZIP).
    public var compression: ParquetCompression = .gzip
    /// The codec's level, nil for its default: GZIP 1 (fastest) to 9 (smallest), default 6; ZSTD
    /// -7 to 22, default 3; SNAPPY has none.
    public var compressionLevel: Int?
    /// A row group is cut when its encoded columns reach this many bytes (default 64 MiB).
    public var rowGroupBytes = 64 << 20
    /// A data page is cut at this many bytes of encoded values (default 1 MiB).
    public var pageBytes = 1 << 20
    /// String and binary columns are dictionary-encoded until their dictionary reaches this many
    /// bytes in a row group (default 1 MiB; 0 turns dictionaries off).
    public var dictionaryBytes = 1 << 20
    /// Whether `close()` flushes the file to stable storage.
    public var synchronizeOnClose = true
    /// Key/value pairs stored in the footer.
    public var metadata: [String: String] = [:]
    /// How many columns are encoded and compressed at once, each on a thread of its own (default:
    /// the machine's cores). The file's bytes do not depend on it: a column chunk is encoded the
    /// same on any thread, and chunks are written in the schema's order.
    public var encodingThreads = ProcessInfo.processInfo.activeProcessorCount

    /// The defaults.
    public init() {}
}

/// What a finished file holds.
public struct ParquetFileSummary: Sendable, Hashable {
    /// Rows written.
    public var rowCount: Int64
    /// Row groups written.
    public var rowGroupCount: Int
    /// The file's size in bytes.
    public var byteCount: Int64
}

/// Writes one Parquet file. Not thread-safe; use from one task at a time.
public final class ParquetFileWriter {
    /// The schema.
    public let schema: ParquetSchema
    /// The file's path.
    public let path: String
    let options: ParquetWriterOptions
    private var descriptor: Int32
    private var offset: Int64 = 0
    private var builders: [ColumnChunkBuilder]
    /// One per encoding thread (a compressor holds a codec's context, which is not thread-safe).
    private let compressors: [PageCompressor]
    private var rowGroups: [RowGroupRecord] = []
    private var rowsInGroup: Int64 = 0
    private var rowCount: Int64 = 0
    private var failed: ParquetError?
    /// How many times columns were handed out to several threads (for the tests).
    private(set) var parallelPasses = 0

    /// The writer's signature in the footer (`created_by`).
    public static let createdBy = "tributary version 0.1.0"

    /// Creates `path` (which must not exist) and writes the header.
    public init(path: String, schema: ParquetSchema, options: ParquetWriterOptions = ParquetWriterOptions()) throws(ParquetError) {
        self.schema = schema
        self.path = path
        self.options = options
        self.builders = schema.fields.map {
            ColumnChunkBuilder(field: $0, pageSize: max(1024, options.pageBytes), dictionaryLimit: options.dictionaryBytes)
        }
        let threads = max(1, min(options.encodingThreads, schema.fields.count))
        self.compressors = try (0..<threads).map { _ throws(ParquetError) in
            try PageCompressor(codec: options.compression, level: options.compressionLevel)
        }
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ParquetError(.io, "cannot create \(path): \(String(cString: strerror(errno)))") }
        do {
            try writeAll(Array("PAR1".utf8))
        } catch {
            abort()
            throw error
        }
    }

    deinit {
        if descriptor >= 0 { abort() }
    }

    /// Appends a batch: one column per field, all of the same length. A batch that does not match
    /// the schema is refused whole (nothing of it is written).
    public func write(_ columns: [ParquetColumn]) throws(ParquetError) {
        if let failed { throw failed }
        guard descriptor >= 0 else { throw ParquetError(.closed, "the writer is closed") }
        guard columns.count == builders.count else {
            throw ParquetError(.invalidBatch, "the batch has \(columns.count) columns; the schema has \(builders.count)")
        }
        let rows = columns.first?.count ?? 0
        for (index, column) in columns.enumerated() {
            guard column.count == rows else {
                throw ParquetError(.invalidBatch, "column '\(schema.fields[index].name)' has \(column.count) rows; the first column has \(rows)")
            }
            try builders[index].validate(column)
        }
        guard rows > 0 else { return }
        do {
            try eachColumn(values: rows * columns.count) { builder, index, compressor throws(ParquetError) in
                try builder.append(columns[index], compressor: compressor)
            }
            rowsInGroup += Int64(rows)
            rowCount += Int64(rows)
            if builders.reduce(0, { $0 + $1.bufferedBytes }) >= options.rowGroupBytes { try flushRowGroup() }
        } catch {
            failed = error
            throw error
        }
    }

    /// Writes the last row group and the footer, flushes (see options) and closes the file.
    @discardableResult
    public func close() throws(ParquetError) -> ParquetFileSummary {
        if let failed { throw failed }
        guard descriptor >= 0 else { throw ParquetError(.closed, "the writer is closed") }
        do throws(ParquetError) {
            if rowsInGroup > 0 { try flushRowGroup() }
            let footer = ParquetMetadata.footer(
                schema: schema,
                rowCount: rowCount,
                rowGroups: rowGroups,
                createdBy: Self.createdBy,
                keyValues: options.metadata.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            )
            var trailer = footer
            trailer.appendLittleEndian(UInt32(footer.count))
            trailer.append(contentsOf: Array("PAR1".utf8))
            try writeAll(trailer)
            if options.synchronizeOnClose, fsync(descriptor) != 0 {
                throw ParquetError(.io, "cannot flush \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            failed = error
            throw error
        }
        Glibc.close(descriptor)
        descriptor = -1
        return ParquetFileSummary(rowCount: rowCount, rowGroupCount: rowGroups.count, byteCount: offset)
    }

    /// Closes and deletes the file.
    public func abort() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
            unlink(path)
        }
    }

    /// Below this many values a batch is encoded on the caller's thread: handing it out costs more.
    static let valuesWorthThreads = 8192

    /// Runs `work` on every column's builder, with a compressor of its own, on up to
    /// `encodingThreads` threads; the first column's error (in the schema's order) is thrown.
    private func eachColumn(
        values: Int,
        _ work: (inout ColumnChunkBuilder, Int, PageCompressor) throws(ParquetError) -> Void
    ) throws(ParquetError) {
        if compressors.count == 1 || values < Self.valuesWorthThreads {
            for index in builders.indices { try work(&builders[index], index, compressors[0]) }
            return
        }
        parallelPasses += 1
        let next = Atomic(0)
        var errors = [ParquetError?](repeating: nil, count: builders.count)
        builders.withUnsafeMutableBufferPointer { builders in
            errors.withUnsafeMutableBufferPointer { errors in
                // Each column is taken by one thread (the counter hands it out once) and each thread
                // has its own compressor: no builder, error slot or compressor is used by two at once.
                nonisolated(unsafe) let (builders, errors, compressors) = (builders, errors, compressors)
                nonisolated(unsafe) let work = work
                DispatchQueue.concurrentPerform(iterations: compressors.count) { thread in
                    while case let index = next.add(1, ordering: .relaxed).oldValue, index < builders.count {
                        do throws(ParquetError) {
                            try work(&builders[index], index, compressors[thread])
                        } catch {
                            errors[index] = error
                        }
                    }
                }
            }
        }
        if let error = errors.lazy.compactMap({ $0 }).first { throw error }
    }

    private func flushRowGroup() throws(ParquetError) {
        var chunks = [EncodedColumnChunk?](repeating: nil, count: builders.count)
        try chunks.withUnsafeMutableBufferPointer { chunks throws(ParquetError) in
            nonisolated(unsafe) let chunks = chunks
            try eachColumn(values: Int(rowsInGroup) * builders.count) { builder, index, compressor throws(ParquetError) in
                chunks[index] = try builder.finishChunk(compressor)
            }
        }
        var columns: [ColumnChunkRecord] = []
        for index in builders.indices {
            let chunk = chunks[index]!
            var dictionaryOffset: Int64?
            let start = offset
            if let page = chunk.dictionaryPage {
                dictionaryOffset = offset
                try writeAll(page)
            }
            let dataOffset = offset
            try writeAll(chunk.dataPages)
            builders[index].recycle(chunk.dataPages)
            columns.append(
                ColumnChunkRecord(
                    type: schema.fields[index].type.physical,
                    encodings: chunk.encodings,
                    name: schema.fields[index].name,
                    codec: options.compression,
                    valueCount: chunk.valueCount,
                    uncompressedSize: chunk.uncompressedSize,
                    compressedSize: offset - start,
                    dataPageOffset: dataOffset,
                    dictionaryPageOffset: dictionaryOffset,
                    statistics: chunk.statistics
                )
            )
        }
        rowGroups.append(RowGroupRecord(columns: columns, rowCount: rowsInGroup))
        rowsInGroup = 0
    }

    private func writeAll(_ bytes: [UInt8]) throws(ParquetError) {
        try bytes.withUnsafeBytes { buffer in Result { () throws(ParquetError) in try writeAll(buffer) } }.get()
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(ParquetError) {
        var written = 0
        while written < bytes.count {
            let result = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw ParquetError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += result
        }
        offset += Int64(bytes.count)
    }
}
