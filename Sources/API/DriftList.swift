import Monitor

/// `GET /v1/drift`: one report per adapter (or just the one asked for with `?adapter=`).
public struct DriftList: Sendable, Codable, Equatable {
    public var reports: [DriftReport]

    public init(reports: [DriftReport]) { self.reports = reports }
}
