// Dates and timestamps as text: `YYYY-MM-DD` and RFC 3339 UTC with microseconds, in the proleptic
// Gregorian calendar Spark uses, without Foundation's calendar (exact for years 0001–9999).

/// Proleptic Gregorian calendar arithmetic in UTC (years 0001–9999 and beyond), without Foundation's
/// calendar so that early dates format exactly as Spark writes them.
public enum SQLDateFormatting {
    /// `YYYY-MM-DD` for a count of days since 1970-01-01.
    public static func date(days: Int32) -> String { date(days: Int64(days)) }

    /// `YYYY-MM-DD` for a count of days since 1970-01-01.
    public static func date(days: Int64) -> String {
        let (year, month, day) = civil(days: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// RFC 3339 UTC: `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`.
    public static func timestamp(microseconds: Int64) -> String {
        let perDay: Int64 = 86_400_000_000
        let days = microseconds >= 0 ? microseconds / perDay : -((-microseconds - 1) / perDay) - 1
        let inDay = microseconds - days * perDay
        let seconds = inDay / 1_000_000
        let fraction = inDay % 1_000_000
        var text = "\(date(days: days))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2))"
        if fraction != 0 {
            var digits = pad(fraction, 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "Z"
    }

    /// Howard Hinnant's days-to-civil algorithm.
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(abs(value))
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
