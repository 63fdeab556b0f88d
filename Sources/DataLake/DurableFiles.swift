// The few file-system steps the lake's promises rest on: a file written whole or not at all
// (temporary file, fsync, rename, fsync of the folder), a folder flushed, a folder made visible by
// one rename.
import FlowModel
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum DurableFiles {
    /// Writes `document` to `url` atomically and durably.
    static func write(_ document: JSONValue, to url: URL) throws(DataLakeError) {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let data = document.jsonData()
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create", temporary) }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == data.count, synced else {
            unlink(temporary.path)
            throw failure("cannot write", temporary)
        }
        guard rename(temporary.path, url.path) == 0 else {
            unlink(temporary.path)
            throw failure("cannot replace", url)
        }
        try syncDirectory(url.deletingLastPathComponent())
    }

    /// Reads a JSON document, `nil` when the file does not exist.
    static func read(_ url: URL) throws(DataLakeError) -> JSONValue? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        do {
            return try JSONValue(parsing: data)
        } catch {
            throw DataLakeError(.io, "\(url.lastPathComponent) in \(url.deletingLastPathComponent().lastPathComponent) is not valid JSON")
        }
    }

    /// Flushes a folder's entries (new, renamed or removed files) to stable storage.
    static func syncDirectory(_ url: URL) throws(DataLakeError) {
        let descriptor = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot open folder", url) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("cannot flush folder", url) }
    }

    /// Creates a folder and its parents.
    static func makeDirectory(_ url: URL) throws(DataLakeError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw DataLakeError(.io, "cannot create \(url.path): \(error.localizedDescription)")
        }
    }

    /// Moves `source` to `destination` in one step; `false` when the destination already exists.
    static func renameIfAbsent(_ source: URL, to destination: URL) throws(DataLakeError) -> Bool {
        if rename(source.path, destination.path) == 0 { return true }
        if errno == EEXIST || errno == ENOTEMPTY { return false }
        throw failure("cannot move \(source.lastPathComponent) to", destination)
    }

    /// Removes a file or folder tree; absent is fine.
    static func remove(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }

    /// The entries of a folder (none when it does not exist), hidden ones left out.
    static func entries(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    static func failure(_ what: String, _ url: URL) -> DataLakeError {
        DataLakeError(.io, "\(what) \(url.path): \(String(cString: strerror(errno)))")
    }
}
