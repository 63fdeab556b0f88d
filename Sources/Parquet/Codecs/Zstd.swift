// ZSTD through the system's libzstd (Debian's libzstd1, on every Debian machine: dpkg uses it),
// loaded at run time: one compression context per page compressor, reused from page to page.

/// The libzstd functions the writer uses.
struct Zstd: Sendable {
    typealias CompressBound = @convention(c) (Int) -> Int
    typealias CreateContext = @convention(c) () -> OpaquePointer?
    typealias FreeContext = @convention(c) (OpaquePointer?) -> Int
    typealias Compress = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int, Int32) -> Int
    typealias IsError = @convention(c) (Int) -> UInt32
    typealias ErrorName = @convention(c) (Int) -> UnsafePointer<CChar>?

    let compressBound: CompressBound
    let createContext: CreateContext
    let freeContext: FreeContext
    let compress: Compress
    let isError: IsError
    let errorName: ErrorName

    /// The library, loaded once; the failure says what to install.
    static let shared: Result<Zstd, ParquetError> = SystemLibrary.open(["libzstd.so.1", "libzstd.so", "libzstd.1.dylib"], package: "libzstd1")
        .flatMap { library in
            Result { () throws(ParquetError) -> Zstd in
                Zstd(
                    compressBound: try library.function("ZSTD_compressBound", as: CompressBound.self),
                    createContext: try library.function("ZSTD_createCCtx", as: CreateContext.self),
                    freeContext: try library.function("ZSTD_freeCCtx", as: FreeContext.self),
                    compress: try library.function("ZSTD_compressCCtx", as: Compress.self),
                    isError: try library.function("ZSTD_isError", as: IsError.self),
                    errorName: try library.function("ZSTD_getErrorName", as: ErrorName.self)
                )
            }
        }

    /// The levels libzstd takes (negative levels trade size for speed).
    static let levels = -7...22
    /// Spark's, pyarrow's and DuckDB's default.
    static let defaultLevel = 3
}
