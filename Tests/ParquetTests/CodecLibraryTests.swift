// The codecs whose libraries are opened at run time: found on a machine that has them, and named
// with what to install when missing.
import Testing

@testable import Parquet

@Suite("Codec libraries")
struct CodecLibraryTests {
    @Test func aMissingLibraryIsNamedWithWhatToInstall() {
        guard case .failure(let error) = SystemLibrary.open(["libtributary-absent.so.7"], package: "libabsent7") else {
            Issue.record("a library that does not exist was opened")
            return
        }
        #expect(error.code == .compression)
        #expect(error.message == "libtributary-absent.so.7 is not installed (Debian: apt-get install libabsent7)")
    }

    @Test(arguments: ParquetCompression.allCases)
    func everyCodecIsAvailableWhereTheTestsRun(_ codec: ParquetCompression) throws {
        // scripts/test.sh installs libsnappy1v5 and libzstd1 (scripts/codecs/install.sh).
        try codec.checkAvailable()
    }
}
