// The query of a Flow Service list call (`property`, `orderby`, `limit`, `continuationToken`,
// `count`) and the paging it implies, with opaque continuation tokens that carry the whole query.
import Foundation

/// A parsed list query.
public struct ListQuery: Sendable, Hashable, Codable {
    /// Filters that must all hold.
    public var filters: [String]
    /// The sort field (dotted path) and direction.
    public var orderBy: String
    /// Whether the sort is descending.
    public var descending: Bool
    /// The page size.
    public var limit: Int
    /// Only count the matches.
    public var countOnly: Bool
    /// Where the previous page ended: the sort value and id of its last item.
    public var after: Cursor?

    /// The position after an item in the sort order.
    public struct Cursor: Sendable, Hashable, Codable {
        /// The item's sort value.
        public var value: JSONValue
        /// The item's id, which breaks ties.
        public var id: String
        /// The rank of the value's type in the order (null, booleans, numbers, text, arrays,
        /// objects), when a store sorted the items; `nil` when they were sorted in memory.
        public var rank: Int?

        /// A position.
        public init(value: JSONValue, id: String, rank: Int? = nil) {
            self.value = value
            self.id = id
            self.rank = rank
        }
    }

    /// The page size when `limit` is absent.
    public static let defaultLimit = 100
    /// The largest `limit` accepted (the contract's search maximum).
    public static let maximumLimit = 1000
    /// The most `property` parameters in one query.
    public static let maximumFilters = 20
    /// The sort when `orderby` is absent: newest first.
    public static let defaultOrderBy = "-createdAt"

    /// Parses query parameters; unknown names are `1451-400`.
    /// - Parameter parameters: the query's name/value pairs, in order, decoded.
    public init(parameters: [(name: String, value: String)]) throws(FlowError) {
        var filters: [String] = []
        var orderBy: String?
        var limit: Int?
        var count = false
        var token: String?
        for (name, value) in parameters {
            switch name {
            case "property":
                filters.append(value)
            case "orderby":
                orderBy = value
            case "limit":
                guard let number = Int(value), number >= 1, number <= Self.maximumLimit else {
                    throw FlowError.invalidQueryValue("limit", reason: "must be a whole number from 1 to \(Self.maximumLimit)")
                }
                limit = number
            case "count":
                guard let flag = Bool(value.lowercased()) else {
                    throw FlowError.invalidQueryValue("count", reason: "must be true or false")
                }
                count = flag
            case "continuationToken":
                token = value
            default:
                throw FlowError.unknownQueryParameter(String(name.prefix(100)))
            }
        }
        if count && limit != nil { throw FlowError.limitWithCount }
        if let token {
            guard filters.isEmpty, orderBy == nil, !count else {
                throw FlowError.invalidQueryValue(
                    "continuationToken",
                    reason: "a continuation token carries the whole query; send it alone (limit may change)"
                )
            }
            self = try Self.decodeToken(token)
            if let limit { self.limit = limit }
            return
        }
        guard filters.count <= Self.maximumFilters else {
            throw FlowError.invalidQueryValue("property", reason: "at most \(Self.maximumFilters) property filters")
        }
        for filter in filters { _ = try PropertyFilter(parsing: filter) }
        let sort = orderBy ?? Self.defaultOrderBy
        var field = Substring(sort)
        var descending = false
        if field.first == "-" {
            descending = true
            field = field.dropFirst()
        } else if field.first == "+" {
            field = field.dropFirst()
        }
        guard !field.isEmpty, field.count <= 200,
            field.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") })
        else { throw FlowError.invalidOrderBy(String(sort.prefix(100))) }
        self.filters = filters
        self.orderBy = String(field)
        self.descending = descending
        self.limit = limit ?? Self.defaultLimit
        self.countOnly = count
        self.after = nil
    }

    /// The parsed filters.
    public var propertyFilters: [PropertyFilter] {
        filters.compactMap { try? PropertyFilter(parsing: $0) }
    }

    /// The token that continues this query after `cursor`.
    public func continuationToken(after cursor: Cursor) -> String {
        var next = self
        next.after = cursor
        return Base64URL.encode((try? JSONCoding.encoder.encode(next)) ?? Data())
    }

    private static func decodeToken(_ token: String) throws(FlowError) -> ListQuery {
        let invalid = FlowError.invalidQueryValue("continuationToken", reason: "the token is not one this service issued")
        guard token.count <= 16_384 else { throw invalid }
        guard let data = Base64URL.decode(token), let query = try? JSONDecoder().decode(ListQuery.self, from: data),
            query.limit >= 1, query.limit <= maximumLimit, query.filters.count <= maximumFilters,
            !(query.after?.value.containsNUL ?? false), !(query.after?.id.utf8.contains(0) ?? false)
        else { throw invalid }
        for filter in query.filters where (try? PropertyFilter(parsing: filter)) == nil { throw invalid }
        return query
    }

    /// One page of results.
    public struct Page: Sendable {
        /// The items on this page, in order.
        public var items: [JSONValue]
        /// The token for the next page, when there is one.
        public var continuationToken: String?
        /// How many items matched in all, when the query counts.
        public var totalCount: Int?

        /// A page.
        public init(items: [JSONValue], continuationToken: String?, totalCount: Int?) {
            self.items = items
            self.continuationToken = continuationToken
            self.totalCount = totalCount
        }
    }

    /// Filters, sorts and pages `documents`. Each document must have a string `id`.
    public func page(of documents: [JSONValue]) -> Page {
        let filters = propertyFilters
        let matching = documents.filter { document in filters.allSatisfy { $0.matches(document) } }
        let path = orderBy.split(separator: ".").map(String.init)
        func sortValue(_ document: JSONValue) -> JSONValue {
            JSONPointer(tokens: path).resolve(in: document) ?? .null
        }
        func precedes(_ a: (JSONValue, String), _ b: (JSONValue, String)) -> Bool {
            let order = JSONValue.sortOrder(a.0, b.0)
            if order != 0 { return descending ? order > 0 : order < 0 }
            return descending ? a.1 > b.1 : a.1 < b.1
        }
        var keyed = matching.map { (key: (sortValue($0), $0["id"]?.stringValue ?? ""), document: $0) }
        keyed.sort { precedes($0.key, $1.key) }
        if let after {
            keyed.removeAll { !precedes((after.value, after.id), $0.key) }
        }
        let pageItems = Array(keyed.prefix(limit))
        var token: String?
        if keyed.count > limit, let last = pageItems.last {
            token = continuationToken(after: Cursor(value: last.key.0, id: last.key.1))
        }
        return Page(items: pageItems.map(\.document), continuationToken: token, totalCount: matching.count)
    }
}

extension JSONValue {
    /// A total order for sorting: missing/null, booleans, numbers, strings, then the rest by text.
    static func sortOrder(_ a: JSONValue, _ b: JSONValue) -> Int {
        func rank(_ value: JSONValue) -> Int {
            switch value {
            case .null: 0
            case .bool: 1
            case .integer, .number: 2
            case .string: 3
            case .array: 4
            case .object: 5
            }
        }
        let (ra, rb) = (rank(a), rank(b))
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.string(let x), .string(let y)): return PropertyFilter.compareText(x, y)
        default:
            if let x = a.doubleValue, let y = b.doubleValue { return x == y ? 0 : (x < y ? -1 : 1) }
            return PropertyFilter.compareText(a.jsonString(), b.jsonString())
        }
    }
}
