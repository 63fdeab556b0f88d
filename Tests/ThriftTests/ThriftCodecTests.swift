// The Thrift codecs: golden bytes from real traffic, round trips of every type in both protocols,
// and hostile input answered with typed errors and bounded memory.
import Testing

@testable import Thrift

@Suite("Thrift codecs")
struct ThriftCodecTests {
    /// The OpenSession request the Databricks JDBC driver sent to a real cluster (reference §3.1).
    static let recordedOpenSession: [UInt8] = hex(
        """
        80010001 0000000b 4f70656e53657373696f6e 00000001
        0c0001 080001fffffff9 0d00040b0b00000000 0a0502000000000000a509
        0c0504 0b000100000005535041524b 0b00020000000764656661756c74 00
        020505 01 00 00
        """
    )

    static func hex(_ text: String) -> [UInt8] {
        let digits = text.filter(\.isHexDigit)
        return stride(from: 0, to: digits.count, by: 2).map { offset in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return UInt8(digits[start...digits.index(after: start)], radix: 16)!
        }
    }

    @Test func writerReproducesRecordedDatabricksBytes() {
        var writer = ThriftBinaryWriter()
        writer.writeMessageBegin(ThriftMessageHeader(name: "OpenSession", type: .call, sequenceId: 1))
        writer.writeFieldBegin(.struct, id: 1)
        writer.writeFieldBegin(.i32, id: 1)
        writer.writeI32(-7)
        writer.writeFieldBegin(.map, id: 4)
        writer.writeMapBegin(keyType: .binary, valueType: .binary, count: 0)
        writer.writeFieldBegin(.i64, id: 0x502)
        writer.writeI64(0xA509)
        writer.writeFieldBegin(.struct, id: 0x504)
        writer.writeFieldBegin(.binary, id: 1)
        writer.writeString("SPARK")
        writer.writeFieldBegin(.binary, id: 2)
        writer.writeString("default")
        writer.writeFieldStop()
        writer.writeBoolField(id: 0x505, true)
        writer.writeFieldStop()
        writer.writeFieldStop()
        #expect(writer.bytes == Self.recordedOpenSession)
    }

    @Test func readerSkipsWhatItDoesNotKnow() throws {
        var reader = ThriftBinaryReader(Self.recordedOpenSession)
        let header = try reader.readMessageBegin()
        #expect(header == ThriftMessageHeader(name: "OpenSession", type: .call, sequenceId: 1))
        var schema: String?
        try reader.readStruct { (reader: inout ThriftBinaryReader, field) throws(ThriftError) in
            guard field.id == 1 else { return false }
            try reader.readStruct { (reader: inout ThriftBinaryReader, field) throws(ThriftError) in
                guard field.id == 0x504 else { return false }
                try reader.readStruct { (reader: inout ThriftBinaryReader, field) throws(ThriftError) in
                    guard field.id == 2 else { return false }
                    schema = try reader.readString()
                    return true
                }
                return true
            }
            return true
        }
        #expect(schema == "default")
        #expect(reader.remaining == 0)
    }

    func writeEveryType(_ writer: inout some ThriftWriter) {
        writer.writeStructBegin()
        writer.writeBoolField(id: 1, true)
        writer.writeBoolField(id: 2, false)
        writer.writeFieldBegin(.i8, id: 3)
        writer.writeI8(-128)
        writer.writeFieldBegin(.i16, id: 20)
        writer.writeI16(.min)
        writer.writeFieldBegin(.i32, id: 21)
        writer.writeI32(.max)
        writer.writeFieldBegin(.i64, id: 5)
        writer.writeI64(.min)
        writer.writeFieldBegin(.double, id: 6)
        writer.writeDouble(-0.1)
        writer.writeFieldBegin(.binary, id: 7)
        writer.writeString("héllo ✓")
        writer.writeFieldBegin(.list, id: 8)
        writer.writeListBegin(.i64, count: 20)
        for value in 0..<20 { writer.writeI64(Int64(value) * 1_000_000_007) }
        writer.writeFieldBegin(.list, id: 9)
        writer.writeListBegin(.bool, count: 3)
        for value in [true, false, true] { writer.writeBool(value) }
        writer.writeFieldBegin(.map, id: 10)
        writer.writeMapBegin(keyType: .binary, valueType: .i32, count: 2)
        writer.writeString("a")
        writer.writeI32(1)
        writer.writeString("b")
        writer.writeI32(-2)
        writer.writeFieldBegin(.struct, id: 300)
        writer.writeStructBegin()
        writer.writeFieldBegin(.i32, id: 1)
        writer.writeI32(42)
        writer.writeFieldStop()
        writer.writeStructEnd()
        writer.writeFieldBegin(.i32, id: 301)
        writer.writeI32(7)
        writer.writeFieldStop()
        writer.writeStructEnd()
    }

    struct Decoded: Equatable {
        var flags: [Bool] = [], i8: Int8 = 0, i16: Int16 = 0, i32: Int32 = 0, i64: Int64 = 0, double = 0.0
        var text = "", longs: [Int64] = [], bools: [Bool] = [], map: [String: Int32] = [:], nested: Int32 = 0, after: Int32 = 0
    }

    func readEveryType(_ reader: inout some ThriftReader) throws -> Decoded {
        var decoded = Decoded()
        try reader.readStruct { reader, field throws(ThriftError) in
            switch field.id {
            case 1, 2: decoded.flags.append(try reader.readBool())
            case 3: decoded.i8 = try reader.readI8()
            case 20: decoded.i16 = try reader.readI16()
            case 21: decoded.i32 = try reader.readI32()
            case 5: decoded.i64 = try reader.readI64()
            case 6: decoded.double = try reader.readDouble()
            case 7: decoded.text = try reader.readString()
            case 8:
                let (_, count) = try reader.readListBegin()
                for _ in 0..<count { decoded.longs.append(try reader.readI64()) }
            case 9:
                let (_, count) = try reader.readListBegin()
                for _ in 0..<count { decoded.bools.append(try reader.readBool()) }
            case 10:
                let (_, _, count) = try reader.readMapBegin()
                for _ in 0..<count { decoded.map[try reader.readString()] = try reader.readI32() }
            case 301: decoded.after = try reader.readI32()
            default: return false  // field 300 (a struct) is skipped
            }
            return true
        }
        return decoded
    }

    @Test func everyTypeRoundTripsInBothProtocols() throws {
        var binary = ThriftBinaryWriter()
        writeEveryType(&binary)
        var compact = ThriftCompactWriter()
        writeEveryType(&compact)
        var binaryReader = ThriftBinaryReader(binary.bytes)
        var compactReader = ThriftCompactReader(compact.bytes)
        let fromBinary = try readEveryType(&binaryReader)
        let fromCompact = try readEveryType(&compactReader)
        #expect(fromBinary == fromCompact)
        #expect(fromBinary.flags == [true, false] && fromBinary.i8 == -128 && fromBinary.i16 == .min && fromBinary.i32 == .max)
        #expect(fromBinary.i64 == .min && fromBinary.double == -0.1 && fromBinary.text == "héllo ✓")
        #expect(fromBinary.longs.count == 20 && fromBinary.longs.last == 19 * 1_000_000_007)
        #expect(fromBinary.bools == [true, false, true] && fromBinary.map == ["a": 1, "b": -2] && fromBinary.after == 7)
        #expect(compact.bytes.count < binary.bytes.count)
        #expect(binaryReader.remaining == 0 && compactReader.remaining == 0)
    }

    @Test func compactEncodingMatchesTheSpecification() {
        var writer = ThriftCompactWriter()
        writer.writeStructBegin()
        writer.writeFieldBegin(.i32, id: 1)
        writer.writeI32(-1)  // delta 1, type 5, zigzag(-1) = 1
        writer.writeFieldBegin(.i64, id: 17)
        writer.writeI64(150)  // delta 16: long form, zigzag(17)=34, zigzag(150)=300
        writer.writeBoolField(id: 18, true)  // delta 1, type 1
        writer.writeFieldBegin(.list, id: 19)
        writer.writeListBegin(.binary, count: 2)
        writer.writeString("a")
        writer.writeString("")
        writer.writeFieldStop()
        #expect(writer.bytes == [0x15, 0x01, 0x06, 0x22, 0xAC, 0x02, 0x11, 0x19, 0x28, 0x01, 0x61, 0x00, 0x00])
    }

    @Test func truncatedInputIsATypedErrorAtEveryCut() {
        var writer = ThriftBinaryWriter()
        writeEveryType(&writer)
        let bytes = writer.bytes
        for cut in 0..<bytes.count {
            var reader = ThriftBinaryReader(Array(bytes[..<cut]))
            #expect(throws: ThriftError.self) { try reader.skip(.struct) }
        }
        var compact = ThriftCompactWriter()
        writeEveryType(&compact)
        for cut in 0..<compact.bytes.count {
            var reader = ThriftCompactReader(Array(compact.bytes[..<cut]))
            #expect(throws: ThriftError.self) { try reader.skip(.struct) }
        }
    }

    @Test func hostileLengthsAndTypesAreRefusedWithoutAllocating() {
        // A string claiming 2 GiB, a list claiming 2^31-1 i64s, an unknown type, a depth bomb.
        let cases: [([UInt8], ThriftError.Code)] = [
            ([0x0B, 0x00, 0x01, 0x7F, 0xFF, 0xFF, 0xFF, 0x41], .invalidLength),
            ([0x0F, 0x00, 0x01, 0x0A, 0x7F, 0xFF, 0xFF, 0xFF], .invalidLength),
            ([0x0F, 0x00, 0x01, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF], .invalidLength),
            ([0x0D, 0x00, 0x01, 0x0B, 0x0B, 0x7F, 0xFF, 0xFF, 0xFF], .invalidLength),
            ([0x13, 0x00, 0x01], .unknownType),
            (Array(repeating: [0x0C, 0x00, 0x01], count: 200).flatMap { $0 }, .depthExceeded),
        ]
        for (bytes, code) in cases {
            var reader = ThriftBinaryReader(bytes)
            #expect(throws: ThriftError.self) { try reader.skip(.struct) }
            var again = ThriftBinaryReader(bytes)
            do {
                try again.skip(.struct)
            } catch {
                #expect(error.code == code, "\(bytes.prefix(8)) → \(error)")
            }
        }
        var compact = ThriftCompactReader([0x19, 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(throws: ThriftError.self) { try compact.skip(.struct) }
        var varint = ThriftCompactReader(Array(repeating: 0xFF, count: 20))
        #expect(throws: ThriftError.self) { try varint.readI64() }
        var header = ThriftBinaryReader([0x00, 0x00, 0x00, 0x05, 0x41])
        #expect(throws: ThriftError.self) { try header.readMessageBegin() }
    }
}

@Suite("Thrift bulk list readers")
struct ThriftBulkListTests {
    @Test func bulkReadersMatchElementReaders() throws {
        var writer = ThriftBinaryWriter()
        let longs: [Int64] = [.min, -1, 0, 1, .max]
        let ints: [Int32] = [.min, -2, 0, 3, .max]
        let shorts: [Int16] = [.min, -5, 0, 7, .max]
        let doubles: [Double] = [-.infinity, -0.5, 0, 1e-300, .greatestFiniteMagnitude]
        for value in longs { writer.writeI64(value) }
        for value in ints { writer.writeI32(value) }
        for value in shorts { writer.writeI16(value) }
        for value in doubles { writer.writeDouble(value) }
        var reader = ThriftBinaryReader(writer.bytes)
        #expect(try reader.readI64Values(count: 5) == longs)
        #expect(try reader.readI32Values(count: 5) == ints)
        #expect(try reader.readI16Values(count: 5) == shorts)
        #expect(try reader.readDoubleValues(count: 5) == doubles)
        #expect(reader.remaining == 0)
        var short = ThriftBinaryReader([0, 0, 0, 1, 0, 0])
        #expect(throws: ThriftError.self) { try short.readI32Values(count: 2) }
        #expect(throws: ThriftError.self) { try short.readI64Values(count: Int.max / 4) }
    }
}
