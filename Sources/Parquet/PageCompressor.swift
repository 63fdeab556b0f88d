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

    /// Hands the compressed form of `body` to `use` (the body itself when uncompressed); the bytes
    /// are valid only during the call.
    func compress<Result>(_ body: [UInt8], _ use: (UnsafeRawBufferPointer) -> Result) throws(ParquetError) -> Result {
        guard codec == .gzip else { return body.withUnsafeBytes(use) }
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
        return output.withUnsafeBytes { use(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
    }
}
