// Page compression: GZIP through zlib (one deflate stream per page, reset between pages), SNAPPY and
// ZSTD through the system's libraries (loaded at run time), or none.
import CZlib

/// Compresses page bodies with one codec; not thread-safe (one per writer).
final class PageCompressor {
    let codec: ParquetCompression
    let level: Int32
    private var stream = z_stream()
    private var gzipReady = false
    private var zstd: (library: Zstd, context: OpaquePointer)?
    private var snappy: Snappy?
    private var output: [UInt8] = []

    /// A compressor for `codec` at `level` (nil: the codec's default). Fails at once, with what to
    /// install, when the codec's library is missing.
    init(codec: ParquetCompression, level: Int?) throws(ParquetError) {
        self.codec = codec
        switch codec {
        case .uncompressed:
            self.level = 0
        case .gzip:
            self.level = Int32(max(1, min(9, level ?? 6)))
            // windowBits 15 + 16: a gzip wrapper, as Parquet's GZIP codec specifies.
            let status = deflateInit2_(
                &stream,
                self.level,
                Z_DEFLATED,
                15 + 16,
                8,
                Z_DEFAULT_STRATEGY,
                ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)
            )
            guard status == Z_OK else { throw ParquetError(.compression, "zlib could not be initialized (\(status))") }
            gzipReady = true
        case .zstd:
            self.level = Int32(min(max(level ?? Zstd.defaultLevel, Zstd.levels.lowerBound), Zstd.levels.upperBound))
            let library = try Zstd.shared.get()
            guard let context = library.createContext() else { throw ParquetError(.compression, "libzstd could not create a context") }
            zstd = (library, context)
        case .snappy:
            self.level = 0
            snappy = try Snappy.shared.get()
        }
    }

    deinit {
        if gzipReady { deflateEnd(&stream) }
        if let zstd { _ = zstd.library.freeContext(zstd.context) }
    }

    /// Hands the compressed form of `body` to `use` (the body itself when uncompressed); the bytes
    /// are valid only during the call.
    func compress<Result>(_ body: [UInt8], _ use: (UnsafeRawBufferPointer) -> Result) throws(ParquetError) -> Result {
        let produced: Int
        switch codec {
        case .uncompressed: return body.withUnsafeBytes(use)
        case .gzip: produced = try deflate(body)
        case .zstd: produced = try compressZstd(body)
        case .snappy: produced = try compressSnappy(body)
        }
        return output.withUnsafeBytes { use(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
    }

    private func reserve(_ bound: Int) {
        if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
    }

    private func deflate(_ body: [UInt8]) throws(ParquetError) -> Int {
        reserve(Int(deflateBound(&stream, UInt(body.count))) + 32)
        let status: Int32 = body.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        let produced = Int(stream.total_out)
        deflateReset(&stream)
        guard status == Z_STREAM_END else { throw ParquetError(.compression, "deflate failed (\(status))") }
        return produced
    }

    private func compressZstd(_ body: [UInt8]) throws(ParquetError) -> Int {
        guard let (library, context) = zstd else { throw ParquetError(.compression, "ZSTD is not set up") }
        reserve(library.compressBound(body.count))
        let level = level
        let result = body.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                library.compress(context, out.baseAddress, out.count, input.baseAddress, input.count, level)
            }
        }
        guard library.isError(result) == 0 else {
            throw ParquetError(.compression, "ZSTD failed: \(library.errorName(result).map { String(cString: $0) } ?? "unknown error")")
        }
        return result
    }

    private func compressSnappy(_ body: [UInt8]) throws(ParquetError) -> Int {
        guard let snappy else { throw ParquetError(.compression, "SNAPPY is not set up") }
        reserve(snappy.maximumLength(body.count))
        var length = output.count
        let status = body.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                snappy.compress(
                    input.baseAddress?.assumingMemoryBound(to: CChar.self),
                    input.count,
                    out.baseAddress?.assumingMemoryBound(to: CChar.self),
                    &length
                )
            }
        }
        guard status == 0 else { throw ParquetError(.compression, "SNAPPY failed (status \(status))") }
        return length
    }
}
