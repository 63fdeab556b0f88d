// SNAPPY through the system's libsnappy (Debian's libsnappy1v5) and its C API, loaded at run time.
// Parquet's SNAPPY pages are raw Snappy blocks (no framing).

/// The libsnappy functions the writer uses.
struct Snappy: Sendable {
    typealias MaximumLength = @convention(c) (Int) -> Int
    /// `snappy_compress(input, length, output, &outputLength)`; 0 is SNAPPY_OK.
    typealias Compress = @convention(c) (UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int>?) -> Int32

    let maximumLength: MaximumLength
    let compress: Compress

    /// The library, loaded once; the failure says what to install.
    static let shared: Result<Snappy, ParquetError> = SystemLibrary.open(
        ["libsnappy.so.1", "libsnappy.so", "libsnappy.1.dylib"],
        package: "libsnappy1v5"
    )
    .flatMap { library in
        Result { () throws(ParquetError) -> Snappy in
            Snappy(
                maximumLength: try library.function("snappy_max_compressed_length", as: MaximumLength.self),
                compress: try library.function("snappy_compress", as: Compress.self)
            )
        }
    }
}
