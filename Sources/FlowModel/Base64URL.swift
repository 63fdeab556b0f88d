// Base64url (RFC 4648 §5) without padding, for tokens carried in URLs; decoding also takes the
// standard alphabet and optional padding, as clients send both.
public import Foundation

/// Base64url text.
public enum Base64URL {
    /// `data` as base64url without padding.
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of base64url or standard base64 text, padded or not; `nil` when it is neither.
    public static func decode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
