import Foundation
import TestSupport
import Testing

// LZ4 frames as the lz4 library writes them (the Python binding of the reference C library): every
// block size, linked and independent blocks, with and without checksums and a stored size, over
// empty, incompressible, repetitive and mixed data, decompress to the original bytes; damaged or
// cut frames are refused, never crash, never exceed the output limit.
@testable import Arrow

@Suite("LZ4 frames", .enabled(if: PyArrowStreams.python != nil, PyArrowStreams.skip))
struct LZ4FrameTests {
    /// The frames and originals the script writes.
    static func cases() async throws -> [(frame: [UInt8], original: [UInt8])] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lz4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = URL(fileURLWithPath: PyArrowStreams.script).deletingLastPathComponent().appendingPathComponent("lz4_frames.py").path
        let written = try await runToEnd(PyArrowStreams.python!, [script, directory.path])
        let count = Int(String(decoding: written.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(written.status == 0 && count > 0, "\(written.errors)")
        return try (0..<count).map { index in
            (
                Array(try Data(contentsOf: directory.appendingPathComponent("\(index).lz4"))),
                Array(try Data(contentsOf: directory.appendingPathComponent("\(index).raw")))
            )
        }
    }

    @Test func framesOfTheReferenceLibraryDecompressToTheirOriginals() async throws {
        let cases = try await Self.cases()
        #expect(cases.count == 81)
        for (index, (frame, original)) in cases.enumerated() {
            #expect(try LZ4Frame.decompress(frame) == original, "case \(index)")
        }
    }

    @Test func damagedOrCutFramesAreRefusedAndTheLimitHolds() async throws {
        let cases = try await Self.cases()
        var generator = SplitMix64(seed: 42)
        var refused = 0
        var attempts = 0
        for (frame, original) in cases where original.count > 1000 {
            for round in 0..<40 {
                attempts += 1
                var damaged = frame
                if round % 4 == 0 {
                    damaged = Array(frame.prefix(Int(generator.next() % UInt64(frame.count))))
                } else {
                    damaged[Int(generator.next() % UInt64(frame.count))] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
                }
                do {
                    let bytes = try LZ4Frame.decompress(damaged, limit: original.count)
                    #expect(bytes.count <= original.count)
                } catch {
                    refused += 1
                }
            }
        }
        // Frames without checksums can decode damaged literals without noticing; most are caught.
        #expect(refused > attempts / 2, "\(refused) of \(attempts) refused")
        let large = try #require(cases.first { $0.original.count > 100_000 })
        #expect(throws: ArrowError.self) { try LZ4Frame.decompress(large.frame, limit: 1000) }
    }

    @Test func xxHash32MatchesItsReferenceValues() {
        // The reference implementation's values for seed 0.
        #expect(XXHash32.hash([UInt8]()) == 0x02CC_5D05)
        #expect(XXHash32.hash(Array("a".utf8)) == 0x550D_7456)
        #expect(XXHash32.hash(Array("abc".utf8)) == 0x32D1_53FF)
        #expect(XXHash32.hash(Array("Nobody inspects the spammish repetition".utf8)) == 0xE229_3B2F)
    }
}
