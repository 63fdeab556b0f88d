// The Parquet module's errors.

/// An error writing or reading a Parquet file.
public struct ParquetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let rawValue: String
        /// The schema cannot be written.
        public static let invalidSchema = Code(rawValue: "invalidSchema")
        /// A batch does not match the schema (column count, types, lengths, nulls in a required column).
        public static let invalidBatch = Code(rawValue: "invalidBatch")
        /// The file system failed.
        public static let io = Code(rawValue: "io")
        /// The file is not a Parquet file this reader understands.
        public static let malformedFile = Code(rawValue: "malformedFile")
        /// Compression failed.
        public static let compression = Code(rawValue: "compression")
        /// The writer was used after it was closed.
        public static let closed = Code(rawValue: "closed")
        /// The code's name.
        public var description: String { rawValue }
    }

    /// The kind.
    public var code: Code
    /// What happened.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
