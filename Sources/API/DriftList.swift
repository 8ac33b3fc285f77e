import Monitor

/// `GET /v1/drift`: one report per adapter (or just the one asked for with `?adapter=`).
package struct DriftList: Sendable, Codable, Equatable {
    package var reports: [DriftReport]

    package init(reports: [DriftReport]) { self.reports = reports }
}
