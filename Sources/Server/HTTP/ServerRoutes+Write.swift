import API
import Hummingbird

extension ServerRoutes {
    /// `POST /v1/predict`: open like the read routes (it changes nothing).
    func addPredictRoute(to router: Router<ServerRequestContext>) {
        router.post("/v1/predict") { request, _ in
            let body = try await request.decodeJSONBody(PredictBody.self, limit: configuration.maxBodyBytes)
            if let many = try body.validatedList(maxTexts: configuration.maxPredictTexts) {
                return try JSONResponse.make(PredictBatchResponse(responses: try await controlPlane.predict(many)))
            }
            let predictRequest = try body.validated(maxTexts: configuration.maxPredictTexts)
            let response = try await controlPlane.predict(predictRequest)
            return try JSONResponse.make(response)
        }
    }

    /// `POST /v1/adapters/{name}/promote` and `…/rollback`, on a group that checks the token.
    func addMutationRoutes(to group: RouterGroup<ServerRequestContext>) {
        group.post(":name/promote") { request, context in
            let name = try adapterName(context)
            let body = try await request.decodeJSONBody(PromoteBody.self, limit: configuration.maxBodyBytes)
            _ = try await requireAdapter(name)
            let live = try await controlPlane.promote(adapter: name, version: body.version, reason: body.reason)
            context.logger.notice("promoted adapter version", metadata: [
                "adapter": .string(name), "version": .string(live.version), "reason": .string(body.reason ?? ""),
            ])
            return try JSONResponse.make(MutationResponse(adapter: name, action: "promote", live: live))
        }

        group.post(":name/rollback") { request, context in
            let name = try adapterName(context)
            let body = try await request.decodeJSONBody(RollbackBody.self, limit: configuration.maxBodyBytes,
                                                        whenEmpty: RollbackBody())
            _ = try await requireAdapter(name)
            let live = try await controlPlane.rollback(adapter: name, to: body.to, reason: body.reason)
            context.logger.notice("rolled back adapter", metadata: [
                "adapter": .string(name), "version": .string(live.version), "reason": .string(body.reason ?? ""),
            ])
            return try JSONResponse.make(MutationResponse(adapter: name, action: "rollback", live: live))
        }
    }
}
