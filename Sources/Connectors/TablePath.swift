// Table paths as explore shows them and takes them back in `object`: `database.table` or
// `catalog.database.table`, with any part that is not a plain word written in backticks, as Spark
// SQL writes multipart names.
import Foundation

/// A validated table path: one to three non-empty parts.
public struct TablePath: Sendable, Hashable, CustomStringConvertible {
    /// The parts, outermost first (`[catalog,] database, table`), unquoted.
    public var parts: [String]

    /// The longest path text accepted.
    public static let maximumLength = 1024
    /// The longest part accepted.
    public static let maximumPartLength = 255

    /// A path from unquoted parts.
    public init(_ parts: [String]) throws(ConnectorError) {
        guard (1...3).contains(parts.count) else {
            throw ConnectorError(.invalidObject, "a table path has one to three parts ([catalog.]database.table)")
        }
        for part in parts { try Self.validate(part) }
        self.parts = parts
    }

    /// Parses `object`: parts separated by `.`; a part is either plain (no `.`, no backtick) or
    /// backtick-quoted with inner backticks doubled, e.g. `` sales.`order lines` ``.
    public init(parsing text: String) throws(ConnectorError) {
        guard !text.isEmpty, text.utf8.count <= Self.maximumLength else {
            throw ConnectorError(.invalidObject, "the table path must have 1 to \(Self.maximumLength) bytes")
        }
        var parts: [String] = []
        var characters = Substring(text)
        while true {
            var part = ""
            if characters.first == "`" {
                characters = characters.dropFirst()
                var closed = false
                while let character = characters.first {
                    characters = characters.dropFirst()
                    if character == "`" {
                        if characters.first == "`" {
                            part.append("`")
                            characters = characters.dropFirst()
                        } else {
                            closed = true
                            break
                        }
                    } else {
                        part.append(character)
                    }
                }
                guard closed else { throw ConnectorError(.invalidObject, "the table path has an unclosed backtick") }
            } else {
                while let character = characters.first, character != "." {
                    guard character != "`" else {
                        throw ConnectorError(.invalidObject, "a backtick may only open a quoted part of the table path")
                    }
                    part.append(character)
                    characters = characters.dropFirst()
                }
            }
            parts.append(part)
            guard let next = characters.first else { break }
            guard next == "." else { throw ConnectorError(.invalidObject, "a quoted part of the table path must be followed by '.' or end the path") }
            characters = characters.dropFirst()
        }
        try self.init(parts)
    }

    private static func validate(_ part: String) throws(ConnectorError) {
        guard !part.isEmpty, part.count <= maximumPartLength else {
            throw ConnectorError(.invalidObject, "each part of a table path must have 1 to \(maximumPartLength) characters")
        }
        guard !part.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ConnectorError(.invalidObject, "a table path may not contain control characters")
        }
    }

    /// The table's own name.
    public var table: String { parts[parts.count - 1] }
    /// The database, when the path names one.
    public var database: String? { parts.count >= 2 ? parts[parts.count - 2] : nil }
    /// The catalog, when the path names one.
    public var catalog: String? { parts.count == 3 ? parts[0] : nil }

    /// The path as `object` takes it: plain parts as they are, others in backticks.
    public var text: String {
        parts.map { part in
            part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
                ? part : "`" + part.replacingOccurrences(of: "`", with: "``") + "`"
        }.joined(separator: ".")
    }

    /// The parts joined with dots, unquoted: a name for people.
    public var displayName: String { parts.joined(separator: ".") }

    /// The path text.
    public var description: String { text }
}
