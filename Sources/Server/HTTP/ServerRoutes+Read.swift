import API
import Hummingbird

extension ServerRoutes {
    /// `GET /v1/status`, `/v1/drift`, `/v1/adapters`, `/v1/adapters/{name}`.
    func addReadRoutes(to router: Router<ServerRequestContext>) {
        router.get("/v1/status") { _, _ in
            try JSONResponse.make(try await controlPlane.status())
        }

        router.get("/v1/drift") { request, _ in
            var adapter: String?
            if let name = request.uri.queryParameters["adapter"] {
                let text = String(name)
                try validateAdapterName(text, field: "query parameter 'adapter'")
                adapter = text
            }
            return try JSONResponse.make(DriftList(reports: try await controlPlane.drift(adapter: adapter)))
        }

        router.get("/v1/adapters") { _, _ in
            try JSONResponse.make(AdapterList(adapters: try await controlPlane.adapters()))
        }

        router.get("/v1/adapters/:name") { _, context in
            let info = try await requireAdapter(try adapterName(context))
            let versions = try await controlPlane.versions(adapter: info.name)
            return try JSONResponse.make(AdapterDetail(adapter: info, versions: versions))
        }
    }
}
