// The data lake's errors.

/// An error of a dataset or batch operation.
public struct DataLakeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let rawValue: String
        /// The schema is not valid.
        public static let invalidSchema = Code(rawValue: "invalidSchema")
        /// No such dataset or batch in this organization and sandbox.
        public static let notFound = Code(rawValue: "notFound")
        /// The operation does not fit the batch's state (e.g. writing to a committed batch).
        public static let invalidState = Code(rawValue: "invalidState")
        /// A batch's rows do not fit the dataset's schema.
        public static let invalidBatch = Code(rawValue: "invalidBatch")
        /// The file system failed.
        public static let io = Code(rawValue: "io")
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
