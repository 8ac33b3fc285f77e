/// Errors a `ControlPlane` throws to pick the HTTP status of the answer.
///
/// The message is shown to the client verbatim as `{"error": "<message>"}`, so it should name
/// what was wrong (the adapter, the version, the field) and, where possible, what to do.
package enum ControlPlaneError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The adapter or version does not exist (404).
    case notFound(String)
    /// The request is well-formed JSON but asks for something invalid (400).
    case badRequest(String)
    /// The request conflicts with the current state, e.g. promoting a rejected version (409).
    case conflict(String)
    /// The agent cannot answer right now, e.g. still loading or no live version yet (503).
    case unavailable(String)

    /// The message sent to the client.
    package var message: String {
        switch self {
        case .notFound(let m), .badRequest(let m), .conflict(let m), .unavailable(let m): m
        }
    }

    package var description: String { message }
}
