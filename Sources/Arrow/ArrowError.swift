// What can go wrong reading Arrow IPC data.

/// A failure to read an Arrow IPC stream, with what was wrong.
public enum ArrowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes are not a well-formed stream (an offset or length out of bounds, a truncated message, …).
    case malformed(String)
    /// Well-formed, but something this reader does not read (a type, compression, dictionaries, …).
    case unsupported(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed Arrow IPC data: \(reason)"
        case .unsupported(let what): "unsupported Arrow IPC data: \(what)"
        }
    }
}
