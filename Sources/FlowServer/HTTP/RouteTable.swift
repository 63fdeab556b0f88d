// Which methods each routed path takes, so that a known path asked with another method is a 405
// naming the methods it takes (`Allow`), not a 404 that suggests the path does not exist.
import Hummingbird
import Synchronization

/// The router's paths and their methods, filled once the routes are registered.
final class RouteTable: Sendable {
    private let routes = Mutex<[(segments: [Substring], methods: Set<String>)]>([])

    /// Takes the routes of `router`.
    func load(_ router: Router<FlowRequestContext>) {
        var byPath: [String: Set<String>] = [:]
        for route in router.routes { byPath[route.path.description, default: []].insert(route.method.rawValue) }
        routes.withLock { table in
            table = byPath.map { (Self.segments($0.key), $0.value) }
        }
    }

    /// The methods the routes matching `path` take, sorted; empty when no route matches it.
    func methods(for path: String) -> [String] {
        let asked = Self.segments(path)
        let methods = routes.withLock { table in
            table.filter { route in
                route.segments.count == asked.count
                    && zip(route.segments, asked).allSatisfy { pattern, segment in pattern == segment || (pattern.first == "{" && pattern.last == "}")
                    }
            }.reduce(into: Set<String>()) { $0.formUnion($1.methods) }
        }
        return methods.sorted()
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
