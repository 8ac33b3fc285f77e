import API
import Foundation
import Hummingbird

extension ServerRoutes {
    /// `GET /v1/events`, `GET /v1/history`: what the dashboard loads on open, so a reload or a
    /// second browser shows the same timeline and curves.
    func addHistoryRoutes(to router: Router<ServerRequestContext>) {
        router.get("/v1/events") { request, _ in
            let query = request.uri.queryParameters
            var adapter: String?
            if let name = query["adapter"] {
                adapter = String(name)
                try validateAdapterName(adapter!, field: "query parameter 'adapter'")
            }
            var limit = 200
            if let text = query["limit"] {
                guard let n = Int(String(text)), (1...Self.maxEvents).contains(n) else {
                    throw ControlPlaneError.badRequest("query parameter 'limit' must be an integer from 1 to \(Self.maxEvents)")
                }
                limit = n
            }
            let journal = try await controlPlane.events(adapter: adapter, limit: limit)
            let recorded = recorder.events.filter { adapter == nil || $0.adapter == nil || $0.adapter == adapter }
            let merged = (journal + recorded).sorted { $0.time > $1.time }
            return try JSONResponse.make(EventList(events: Array(merged.prefix(limit))))
        }

        router.get("/v1/history") { _, _ in
            try JSONResponse.make(recorder.history)
        }
    }

    /// `GET /openapi.json`: the API described for generators and humans (``OpenAPIDocument``).
    func addOpenAPIRoute(to router: Router<ServerRequestContext>) {
        router.get("/openapi.json") { _, _ in
            JSONResponse.text(OpenAPIDocument.json, contentType: "application/json; charset=utf-8")
        }
    }

    /// Largest `limit` of `GET /v1/events`.
    static var maxEvents: Int { 1000 }
}
