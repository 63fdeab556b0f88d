// A Flow Service list query answered by the store: the filters on stored fields and the order go
// to the store, which reads what the page holds; filters on fields made when a document is shown
// run on the shown documents, a batch at a time, until the page is full. Only an order by such a
// field (or a count with such a filter) reads every match.
public import FlowModel

extension FlowStorage {
    /// The most resources read at once while filters on shown fields fill a page.
    static var listingBatch: Int { 200 }

    /// One page of `query` over the resources of `kind` in `scope`.
    /// - Parameters:
    ///   - fields: where each field of a shown document comes from.
    ///   - show: the resources as the list shows them, in order.
    public func page(
        _ kind: ResourceKind,
        in scope: TenantScope,
        _ query: ListQuery,
        fields: ListedFields,
        show: ([FlowResource]) async throws -> [JSONValue]
    ) async throws -> ListQuery.Page {
        var stored: [StoredFilter] = []
        var shown: [PropertyFilter] = []
        for filter in query.propertyFilters {
            switch fields.field(filter.path) {
            case .stored(let field): stored.append(StoredFilter(field, filter))
            case .derived: shown.append(filter)
            }
        }
        guard case .stored(let order) = fields.field(query.orderBy.split(separator: ".").map(String.init)) else {
            // Ordered by a field made when shown: every match is shown and sorted.
            let all = try await resources(kind, in: scope, matching: ResourceQuery(filters: stored))
            return query.page(of: try await show(all.map(\.resource)))
        }
        if query.countOnly && shown.isEmpty {
            return ListQuery.Page(items: [], continuationToken: nil, totalCount: try await count(kind, in: scope, matching: stored))
        }
        var items: [JSONValue] = []
        var matched = 0
        var after = query.after
        var last: ListQuery.Cursor?
        let batch = shown.isEmpty ? query.limit + 1 : max(query.limit + 1, Self.listingBatch)
        while true {
            let found = try await resources(
                kind,
                in: scope,
                matching: ResourceQuery(filters: stored, order: order, descending: query.descending, after: after, limit: batch)
            )
            let documents = try await show(found.map(\.resource))
            for (item, document) in zip(found, documents) where shown.allSatisfy({ $0.matches(document) }) {
                matched += 1
                if query.countOnly { continue }
                if items.count == query.limit {
                    return ListQuery.Page(items: items, continuationToken: last.map(query.continuationToken(after:)), totalCount: nil)
                }
                items.append(document)
                last = item.position
            }
            guard found.count == batch, let end = found.last else { break }
            after = end.position
        }
        return ListQuery.Page(items: items, continuationToken: nil, totalCount: query.countOnly ? matched : nil)
    }
}
