// Parsing and printing JSON text for `JSONValue` and for Codable domain values.
import Foundation

extension JSONValue {
    /// Parses JSON text. An object naming a member twice is not JSON a client can mean one thing by.
    /// - Parameter lastMemberWins: take such an object, keeping the last value (for third-party files).
    /// - Throws: ``FlowError/malformedJSON(_:)`` when the text is not JSON.
    public init(parsing bytes: some Collection<UInt8>, lastMemberWins: Bool = false) throws(FlowError) {
        let parse = { (buffer: UnsafeBufferPointer<UInt8>) in
            Result { () throws(JSONParseError) in try JSONParser.parse(buffer, lastMemberWins: lastMemberWins) }
        }
        let result = bytes.withContiguousStorageIfAvailable(parse) ?? Array(bytes).withUnsafeBufferPointer(parse)
        switch result {
        case .success(let value): self = value
        case .failure(let error): throw FlowError.malformedJSON("The request body is not valid JSON: \(error.reason) at byte \(error.offset).")
        }
    }

    /// Parses JSON text from a string.
    public init(parsing text: String) throws(FlowError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// The value as compact JSON text with sorted keys.
    public func jsonBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        JSONWriter.write(self, into: &output)
        return output
    }

    /// The value as compact JSON text with sorted keys.
    public func jsonData() -> Data {
        Data(jsonBytes())
    }

    /// The value as a compact JSON string with sorted keys.
    public func jsonString() -> String {
        String(decoding: jsonBytes(), as: UTF8.self)
    }
}

/// Shared JSON coders with the service's conventions (sorted keys, no escaped slashes).
public enum JSONCoding {
    /// The encoder used for every response body and stored document.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Converts any encodable value to a `JSONValue`.
    public static func value(of encodable: some Encodable) -> JSONValue {
        guard let data = try? encoder.encode(encodable), let value = try? JSONValue(parsing: data) else { return .null }
        return value
    }

    /// Converts a `JSONValue` to a decodable type.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONDecoder().decode(type, from: value.jsonData())
    }
}
