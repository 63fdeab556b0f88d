// Typed values of result cells: exact decimals, UTC timestamps in microseconds, dates as days,
// complex types as their JSON text.

/// An exact decimal: its text as the server printed it, with the declared precision and scale.
public struct SQLDecimal: Sendable, Hashable, CustomStringConvertible {
    /// The plain decimal text, e.g. `-1234.50`.
    public var text: String
    /// Declared precision.
    public var precision: Int
    /// Declared scale.
    public var scale: Int

    /// A decimal from its text and declared precision and scale.
    public init(text: String, precision: Int, scale: Int) {
        self.text = text
        self.precision = precision
        self.scale = scale
    }

    /// A decimal from its unscaled two's complement 128-bit value (as Arrow stores it).
    public init(unscaled: (high: Int64, low: UInt64), precision: Int, scale: Int) {
        let value = Int128(unscaled.high) << 64 | Int128(unscaled.low)
        // Digits below 10^18 (nearly every value) through UInt64, whose formatting is far cheaper.
        let magnitude = value.magnitude
        let digits = magnitude < 1_000_000_000_000_000_000 ? String(UInt64(magnitude)) : String(magnitude)
        var text = value < 0 ? "-" : ""
        if scale > 0 {
            let count = digits.utf8.count
            if count <= scale {
                text += "0." + String(repeating: "0", count: scale - count) + digits
            } else {
                let point = digits.utf8.index(digits.utf8.startIndex, offsetBy: count - scale)
                text += digits[..<point] + "." + digits[point...]
            }
        } else {
            text += digits
        }
        self.init(text: text, precision: precision, scale: scale)
    }

    /// The unscaled integer value (`text` × 10^scale) when it fits in 128 bits… or `nil`.
    public var unscaled: (high: Int64, low: UInt64)? {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" {
            negative = true
            digits = digits.dropFirst()
        } else if digits.first == "+" {
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= scale else { return nil }
        fraction += String(repeating: "0", count: scale - fraction.count)
        let all = String(parts[0]) + fraction
        guard !all.isEmpty, all.allSatisfy(\.isASCII), all.allSatisfy(\.isNumber) else { return nil }
        var value = (high: UInt64(0), low: UInt64(0))
        for digit in all.utf8 {
            // value = value * 10 + digit, in 128 bits
            let lowProduct = value.low.multipliedFullWidth(by: 10)
            let (highProduct, highOverflow) = value.high.multipliedReportingOverflow(by: 10)
            guard !highOverflow else { return nil }
            var high = highProduct &+ lowProduct.high
            guard high >= highProduct else { return nil }
            let (low, carry) = lowProduct.low.addingReportingOverflow(UInt64(digit - 48))
            if carry { high &+= 1 }
            value = (high, low)
        }
        guard value.high < 1 << 63 else { return nil }
        if negative {
            let low = ~value.low &+ 1
            let high = ~value.high &+ (low == 0 ? 1 : 0)
            return (Int64(bitPattern: high), low)
        }
        return (Int64(value.high), value.low)
    }

    /// The text.
    public var description: String { text }
}

/// A cell value.
public enum SQLValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int8(Int8)
    case int16(Int16)
    case int32(Int32)
    case int64(Int64)
    case float(Float)
    case double(Double)
    case string(String)
    case binary([UInt8])
    case decimal(SQLDecimal)
    /// Days since 1970-01-01.
    case date(Int32)
    /// Microseconds since 1970-01-01T00:00:00Z.
    case timestamp(Int64)
    /// ARRAY, MAP or STRUCT as the JSON text the server sent.
    case json(String)
    /// An INTERVAL in the server's text form.
    case interval(String)
}
