/// Where a version stands in its life (DESIGN §5): one vocabulary for the registry, the journal,
/// the CLI, the HTTP API and the dashboard.
///
/// Exactly one version is `live` (the one `LIVE` points at). A version that was live and was replaced
/// by a later promotion is `superseded`: still good, and the natural target of a rollback. A version
/// rolled back from, or refused by the gate, is `rejected` and keeps its reason. `retired` is only ever
/// seen in the journal, because retention deletes the directory.
package enum VersionStatus: String, Codable, Sendable, CaseIterable {
    case candidate
    case live
    case superseded
    case rejected
    case retired

    /// A version a rollback may return to without an explicit override.
    package var isGood: Bool { self == .candidate || self == .live || self == .superseded }
}
