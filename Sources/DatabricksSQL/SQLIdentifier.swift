// Quoting of identifiers and literals for Spark SQL text, so names and values from users can never
// change the meaning of a statement.
import Foundation

/// Spark SQL quoting.
public enum SQLIdentifier {
    /// A backtick-quoted identifier: backticks inside are doubled, e.g. ``a`b`` → `` `a``b` ``.
    public static func quoted(_ name: String) -> String {
        "`" + name.replacingOccurrences(of: "`", with: "``") + "`"
    }

    /// A dotted path of identifiers, each quoted: `db.table` → `` `db`.`table` ``.
    public static func quoted(path parts: [String]) -> String {
        parts.map(quoted).joined(separator: ".")
    }

    /// A single-quoted string literal: quotes and backslashes escaped.
    public static func literal(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
