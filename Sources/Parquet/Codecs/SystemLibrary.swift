// A C library of the system loaded when first needed (dlopen), for the codecs whose libraries are
// not part of every machine's build: the service builds without their headers, and a codec whose
// library is missing is refused by name before any file is written.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open shared library and the C functions taken from it.
struct SystemLibrary: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer

    /// The first of `names` that opens, or a message naming them all and the package to install.
    static func open(_ names: [String], package: String) -> Result<SystemLibrary, ParquetError> {
        for name in names {
            if let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) { return .success(SystemLibrary(handle: handle)) }
        }
        return .failure(ParquetError(.compression, "\(names.joined(separator: " or ")) is not installed (Debian: apt-get install \(package))"))
    }

    /// The function `name` as `type` (a `@convention(c)` function type).
    func function<T>(_ name: String, as type: T.Type) throws(ParquetError) -> T {
        guard let symbol = dlsym(handle, name) else { throw ParquetError(.compression, "the library lacks \(name)") }
        return unsafeBitCast(symbol, to: type)
    }
}
