// Resources as `GET /<kind>/{id}` shows them, encoded once per version: a resource's document
// depends only on the resource, and every change of a resource gives it a new etag, so the bytes
// kept for an id and etag are the bytes rendering would make again.
import FlowModel
import Synchronization

/// Encoded documents by resource id and etag.
final class RenderedDocuments: Sendable {
    private struct Kept {
        var kind: ResourceKind
        var etag: String
        var bytes: [UInt8]
    }

    /// The most documents kept; beyond it an arbitrary one makes room.
    let capacity: Int
    private let kept = Mutex<[String: Kept]>([:])

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// The document of `resource` as JSON bytes, rendered by `render` unless kept for its version.
    func bytes(of resource: FlowResource, render: (FlowResource) -> JSONValue) -> [UInt8] {
        let id = resource.id
        if let found = kept.withLock({ $0[id] }), found.etag == resource.metadata.etag, found.kind == resource.kind {
            return found.bytes
        }
        let bytes = render(resource).jsonBytes()
        kept.withLock { kept in
            if kept.count >= capacity, kept[id] == nil { kept.remove(at: kept.startIndex) }
            kept[id] = Kept(kind: resource.kind, etag: resource.metadata.etag, bytes: bytes)
        }
        return bytes
    }
}
