// Page compression: GZIP through zlib (one deflate stream per page, reset between pages), or none.
import CZlib

/// Compresses page bodies with one codec; not thread-safe (one per writer).
final class PageCompressor {
    let codec: ParquetCompression
    let level: Int32
    private var stream = z_stream()
    private var initialized = false
    private var output: [UInt8] = []

    init(codec: ParquetCompression, level: Int) throws(ParquetError) {
        self.codec = codec
        self.level = Int32(max(1, min(9, level)))
        if codec == .gzip {
            // windowBits 15 + 16: a gzip wrapper, as Parquet's GZIP codec specifies.
            let status = deflateInit2_(&stream, self.level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else { throw ParquetError(.compression, "zlib could not be initialized (\(status))") }
            initialized = true
        }
    }

    deinit {
        if initialized { deflateEnd(&stream) }
    }

    /// The compressed form of `body`.
    func compress(_ body: [UInt8]) throws(ParquetError) -> [UInt8] {
        guard codec == .gzip else { return body }
        let bound = Int(deflateBound(&stream, UInt(body.count))) + 32
        if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
        let status: Int32 = body.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        let produced = Int(stream.total_out)
        deflateReset(&stream)
        guard status == Z_STREAM_END else { throw ParquetError(.compression, "deflate failed (\(status))") }
        return Array(output[0..<produced])
    }
}
