// AES-GCM sealing of secrets at rest, under a 256-bit key from TRIBUTARY_SECRET_KEY or a key file
// created with mode 0600 on first start.
public import Crypto
public import Foundation

/// Seals and opens secrets with AES-256-GCM. The associated data binds a ciphertext to its record,
/// so a sealed value copied onto another record does not open.
public struct SecretSealer: Sendable {
    private let key: SymmetricKey

    /// Creates a sealer over a 256-bit key.
    public init(key: SymmetricKey) { self.key = key }

    /// Seals `plaintext`; the result is nonce, ciphertext and tag.
    public func seal(_ plaintext: Data, boundTo context: String) throws -> Data {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw FlowStoreError(.unsealFailed, "AES-GCM produced no combined box") }
        return combined
    }

    /// Opens what ``seal(_:boundTo:)`` produced for the same context.
    public func open(_ sealed: Data, boundTo context: String) throws -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(context.utf8))
        } catch {
            throw FlowStoreError(.unsealFailed, "a sealed secret could not be opened: wrong secret key or tampered data")
        }
    }

    /// A key derived from the master key for another purpose (for example signing access tokens).
    public func derivedKey(for purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data(purpose.utf8), outputByteCount: 32)
    }
}

/// Where the master key comes from.
public enum SecretKeySource {
    /// Reads the key from `TRIBUTARY_SECRET_KEY` (base64 of 32 bytes) when given, else from
    /// `file`, creating the file (mode 0600) with a new random key when it does not exist.
    /// - Returns: the key and whether a new key file was written.
    public static func load(environmentValue: String?, file: URL) throws -> (key: SymmetricKey, created: Bool) {
        if let environmentValue, !environmentValue.isEmpty {
            return (try decode(environmentValue, origin: "TRIBUTARY_SECRET_KEY"), false)
        }
        if FileManager.default.fileExists(atPath: file.path) {
            let text = try String(contentsOf: file, encoding: .utf8)
            return (try decode(text, origin: file.path), false)
        }
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: Data(encoded.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw FlowStoreError(.corruptRecord, "could not create the secret key file at \(file.path)")
        }
        return (key, true)
    }

    static func decode(_ text: String, origin: String) throws -> SymmetricKey {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw FlowStoreError(.corruptRecord, "the secret key from \(origin) must be the base64 encoding of 32 bytes")
        }
        return SymmetricKey(data: data)
    }
}
