import API
import Hummingbird

/// The route handlers, holding what they share: the agent, the configuration, the counters.
struct ServerRoutes<Plane: ControlPlane>: Sendable {
    let controlPlane: Plane
    let configuration: ServerConfiguration
    let metrics: HTTPMetrics
    let recorder: StatusRecorder

    /// The `{name}` path parameter, checked like every adapter name.
    func adapterName(_ context: ServerRequestContext) throws -> String {
        let name = try context.parameters.require("name")
        try validateAdapterName(name, field: "adapter name")
        return name
    }

    /// 404 with the known adapters listed, unless `name` is one of them.
    func requireAdapter(_ name: String) async throws -> AdapterInfo {
        let all = try await controlPlane.adapters()
        guard let info = all.first(where: { $0.name == name }) else {
            let known = all.isEmpty ? "none" : all.map(\.name).joined(separator: ", ")
            throw ControlPlaneError.notFound("unknown adapter '\(name)' (known: \(known))")
        }
        return info
    }
}
