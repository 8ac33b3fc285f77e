import Foundation

/// `value` with exactly `digits` decimals, for reason strings ("0.712").
/// `String(format:)` uses the C locale here, so the output never depends on the user's locale.
func formatFixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    return String(format: "%.\(digits)f", value)
}

/// The shortest round-tripping decimal of a configured number ("0.02", "3.0" → "3").
func formatSetting(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
        return String(Int64(value))
    }
    return "\(value)"
}
