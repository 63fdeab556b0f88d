// How a resource is kept in a store's row, whichever the store: its metadata and body as JSON text,
// its secrets sealed (AES-GCM, bound to the record), and back.
public import FlowModel
public import Foundation

/// A resource's stored columns.
struct ResourceColumns: Sendable {
    var metadata: String
    var body: String
    var sealedSecrets: Data?
    /// When the scheduler looks at the resource next: a write makes a planned kind due at once.
    var dueAt: Int64?

    /// The columns of `resource`, its secrets sealed by `sealer`.
    init(_ resource: FlowResource, sealer: SecretSealer) throws {
        let metadata = resource.metadata
        self.metadata = JSONValue.object(metadata.members).jsonString()
        body = JSONValue.object(resource.body).jsonString()
        dueAt = resource.kind.isPlanned ? metadata.updatedAt : nil
        if !resource.secrets.isEmpty {
            sealedSecrets = try sealer.seal(JSONValue.object(resource.secrets).jsonData(), boundTo: "\(resource.kind.rawValue)/\(metadata.id)")
        }
    }

    /// Stored columns read back.
    init(metadata: String, body: String, sealedSecrets: Data?) {
        self.metadata = metadata
        self.body = body
        self.sealedSecrets = sealedSecrets
    }

    /// The resource `id` of `kind` these columns hold, its secrets opened by `sealer`.
    /// - Throws: ``FlowStoreError`` when a column cannot be decoded or the secrets opened.
    func resource(_ kind: ResourceKind, id: String, sealer: SecretSealer) throws -> FlowResource {
        guard let metadata = (try? JSONValue(parsing: metadata)).flatMap(ResourceMetadata.init(json:)),
            case .object(let body)? = try? JSONValue(parsing: body)
        else { throw FlowStoreError(.corruptRecord, "the stored \(kind) \(id) cannot be decoded") }
        var secrets: [String: JSONValue] = [:]
        if let sealedSecrets {
            let opened = try sealer.open(sealedSecrets, boundTo: "\(kind.rawValue)/\(id)")
            guard case .object(let values)? = try? JSONValue(parsing: opened) else {
                throw FlowStoreError(.corruptRecord, "the sealed secrets of \(kind) \(id) cannot be decoded")
            }
            secrets = values
        }
        return FlowResource(kind: kind, metadata: metadata, body: body, secrets: secrets)
    }
}
