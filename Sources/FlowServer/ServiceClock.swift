// The one clock of the service: epoch milliseconds, the unit every record's timestamps use.
import Foundation

enum ServiceClock {
    /// Now, in epoch milliseconds.
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
