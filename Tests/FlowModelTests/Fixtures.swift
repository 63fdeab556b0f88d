// Locates the shared conformance suites and real traffic beside the checkout (../shared/fixtures).
import Foundation
import Testing

/// Where `../shared/fixtures` is, if it is there. A user's fresh clone has none: the suites that
/// need it are skipped with a message that says so.
enum SharedFixtures {
    static let directory: URL? = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/FlowModelTests/Fixtures.swift → repo
        let candidate = url.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
        var isDirectory: ObjCBool = false
        if let override = ProcessInfo.processInfo.environment["TRIBUTARY_SHARED_FIXTURES"] {
            return URL(fileURLWithPath: override)
        }
        return FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? candidate : nil
    }()

    static var isAvailable: Bool { directory != nil }

    static let skipMessage = "../shared/fixtures is not beside this checkout; conformance suites skipped"

    static func data(_ relativePath: String) throws -> Data {
        guard let directory else { throw FixtureMissing() }
        return try Data(contentsOf: directory.appendingPathComponent(relativePath))
    }

    struct FixtureMissing: Error, CustomStringConvertible {
        var description: String { SharedFixtures.skipMessage }
    }
}
