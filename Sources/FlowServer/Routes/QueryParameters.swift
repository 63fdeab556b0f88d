// Query parameters as ordered, decoded name/value pairs, with the service's limits.
import FlowModel
import Hummingbird

extension Request {
    /// The `op` of an action (`POST …/action?op=…`), one of `allowed`; no other parameter.
    func actionOperation(allowed: [String]) throws -> String {
        var operation: String?
        for (name, value) in try queryPairs() {
            guard name == "op" else { throw FlowError.unknownQueryParameter(String(name.prefix(100))) }
            operation = value
        }
        guard let operation, allowed.contains(operation) else {
            throw FlowError.invalidQueryValue("op", reason: "it must be \(allowed.joined(separator: " or "))")
        }
        return operation
    }

    /// The decoded query parameters in order. More than 64 parameters or a query over 16 KiB is a 400.
    func queryPairs() throws -> [(name: String, value: String)] {
        if let query = uri.query, query.utf8.count > 16 * 1024 {
            throw FlowError.invalidQueryValue("query", reason: "the query string is longer than 16 KiB")
        }
        let pairs = uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
        guard pairs.count <= 64 else { throw FlowError.invalidQueryValue("query", reason: "more than 64 query parameters") }
        return pairs
    }
}

extension FlowRequestContext {
    /// The `{id}` path parameter, checked for length and characters.
    func resourceId() throws -> String {
        guard let id = parameters.get("id"), (1...128).contains(id.utf8.count),
            id.utf8.allSatisfy({ $0.isASCIILetterOrDigit || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        else { throw FlowError.invalidRequest("The resource id in the path is not valid.") }
        return id
    }
}
