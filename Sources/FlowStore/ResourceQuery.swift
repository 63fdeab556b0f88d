// What a store answers a list with: the resources of one kind in one scope that satisfy filters on
// stored fields, in the order of one stored field, after a position, at most so many. A store
// evaluates it with its own indexes; the semantics are those of ``PropertyFilter`` and of
// ``ListQuery``'s order (null, booleans, numbers, text, arrays, objects; ties by id).
public import FlowModel

/// A filter on a stored field.
public struct StoredFilter: Sendable, Hashable {
    /// The field.
    public var field: StoredField
    /// The filter; its path names the field in the shown document.
    public var filter: PropertyFilter

    /// A filter on `field`.
    public init(_ field: StoredField, _ filter: PropertyFilter) {
        self.field = field
        self.filter = filter
    }

    /// `field` equals one of `values` (a reference, an id).
    public static func equal(_ field: StoredField, _ values: [String]) -> StoredFilter {
        StoredFilter(field, PropertyFilter(path: ["_"], op: .equal, values: values))
    }
}

/// A query a store evaluates.
public struct ResourceQuery: Sendable, Hashable {
    /// Filters that must all hold.
    public var filters: [StoredFilter]
    /// The field the resources are ordered by; ties are ordered by id.
    public var order: StoredField
    /// Whether the order is descending.
    public var descending: Bool
    /// Only resources after this position in the order.
    public var after: ListQuery.Cursor?
    /// At most this many resources; all when `nil`.
    public var limit: Int?
    /// Skips this many resources first.
    public var offset: Int

    /// A query; by default every resource, newest first.
    public init(
        filters: [StoredFilter] = [],
        order: StoredField = .createdAt,
        descending: Bool = true,
        after: ListQuery.Cursor? = nil,
        limit: Int? = nil,
        offset: Int = 0
    ) {
        self.filters = filters
        self.order = order
        self.descending = descending
        self.after = after
        self.limit = limit
        self.offset = offset
    }
}

/// A resource a query found, with its position in the query's order.
public struct OrderedResource: Sendable {
    /// The resource.
    public var resource: FlowResource
    /// Its position: a next query continues after it.
    public var position: ListQuery.Cursor

    /// A found resource.
    public init(resource: FlowResource, position: ListQuery.Cursor) {
        self.resource = resource
        self.position = position
    }
}
