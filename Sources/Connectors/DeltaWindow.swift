// The rows of one run: those whose delta column lies in `(after, through]`, as SQL. Bounds are
// instants (epoch milliseconds) written as `timestamp_millis(…)`, which means the same instant in any
// session time zone; a column without a zone (date, string, timestamp_ntz) is read as wall-clock
// time in the flow's time zone. The first window also takes the rows without a delta value, so no
// row is left behind for good.
import DatabricksSQL

/// A window of a table's delta column.
public struct DeltaWindow: Sendable, Hashable {
    /// The delta column.
    public var column: SourceColumn
    /// The time zone of values without one (IANA identifier).
    public var timezone: String
    /// The exclusive lower bound, epoch milliseconds; `nil`: from the first row, rows whose delta
    /// value is NULL (or not a time) included.
    public var after: Int64?
    /// The inclusive upper bound; `nil`: no bound.
    public var through: Int64?

    /// Creates a window; the column must hold times (`timestamp`, `timestamp_ntz`, `date`, or a
    /// string Spark casts to a timestamp, such as `yyyy-MM-dd HH:mm:ss`).
    public init(column: SourceColumn, timezone: String = "UTC", after: Int64?, through: Int64?) throws(ConnectorError) {
        guard Self.kind(of: column) != nil else {
            throw ConnectorError(
                .invalidConfiguration,
                "the delta column '\(column.name)' is \(column.sourceType); it must be a timestamp, a date or a string such as 'yyyy-MM-dd HH:mm:ss'"
            )
        }
        self.column = column
        self.timezone = timezone
        self.after = after
        self.through = through
    }

    enum Kind { case instant, wallClock }

    static func kind(of column: SourceColumn) -> Kind? {
        let type = column.sourceType.lowercased()
        if type == "timestamp" || type == "timestamp_ltz" { return .instant }
        if type == "timestamp_ntz" || type == "date" || type == "string" || type.hasPrefix("varchar") || type.hasPrefix("char") { return .wallClock }
        return nil
    }

    /// The column as an instant.
    var instant: String {
        let name = SQLIdentifier.quoted(column.name)
        switch Self.kind(of: column) {
        case .wallClock where timezone == "UTC": return "CAST(\(name) AS TIMESTAMP)"
        case .wallClock: return "to_utc_timestamp(CAST(\(name) AS TIMESTAMP), \(SQLIdentifier.literal(timezone)))"
        default: return name
        }
    }

    /// The condition, or `nil` when the window has no bound.
    public var condition: String? {
        var parts: [String] = []
        if let after { parts.append("\(instant) > timestamp_millis(\(after))") }
        if let through { parts.append("\(instant) <= timestamp_millis(\(through))") }
        guard !parts.isEmpty else { return nil }
        let bounded = parts.joined(separator: " AND ")
        return after == nil ? "(\(bounded) OR \(instant) IS NULL)" : "(\(bounded))"
    }

    /// `SELECT count(*), earliest, latest` of the window, instants as epoch milliseconds.
    func summaryStatement(from table: String) -> String {
        var statement = "SELECT count(*), unix_millis(min(\(instant))), unix_millis(max(\(instant))) FROM \(table)"
        if let condition { statement += " WHERE \(condition)" }
        return statement
    }
}

/// What a window holds.
public struct DeltaSummary: Sendable, Hashable {
    /// Rows in the window.
    public var rowCount: Int64
    /// The earliest delta value, epoch milliseconds (`nil` when no row has one).
    public var earliest: Int64?
    /// The latest.
    public var latest: Int64?

    /// Creates a summary.
    public init(rowCount: Int64, earliest: Int64?, latest: Int64?) {
        self.rowCount = rowCount
        self.earliest = earliest
        self.latest = latest
    }
}
