// The id of each request (`x-request-id`, error reports, log lines): the caller's when it is short
// and plain, otherwise a new one shaped like a UUID — a random prefix chosen when the process
// starts and a counter, so ids are unique without a random draw per request.
import HTTPTypes
import Synchronization

enum RequestIdentifier {
    /// `x-request-id`.
    static let field = HTTPField.Name("x-request-id")!
    private static let prefix = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(UInt64.random(in: .min ... .max))
    private static let digits = Array("0123456789abcdef".utf8)

    /// The caller's `x-request-id` when it is 1–128 letters, digits or `-_.:`, else a new id.
    static func choose(supplied: String?) -> String {
        if let supplied, (1...128).contains(supplied.utf8.count),
            supplied.utf8.allSatisfy({
                $0.isASCIILetterOrDigit || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":")
            })
        {
            return supplied
        }
        return make()
    }

    /// A new id: 8-4-4-4-12 lowercase hex digits.
    static func make() -> String {
        let count = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            for nibble in 0..<32 {
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    buffer[position] = UInt8(ascii: "-")
                    position += 1
                }
                let word = nibble < 16 ? prefix : count
                buffer[position] = digits[Int((word >> UInt64(60 - (nibble % 16) * 4)) & 0xF)]
                position += 1
            }
            return position
        }
    }
}

extension UInt8 {
    /// `A`–`Z`, `a`–`z` or `0`–`9`.
    var isASCIILetterOrDigit: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
