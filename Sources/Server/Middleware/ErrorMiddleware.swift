import API
import Hummingbird
import Logging

/// Turns every error into `{"error": "..."}` with the right status, so clients see one error
/// shape whether the router, the body decoder or the agent failed.
///
/// Outermost middleware but one (inside the request log), so the log records the final status.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ControlPlaneError {
            return JSONResponse.error(error.message, status: error.httpStatus)
        } catch let error as BodyTooLarge {
            return JSONResponse.error(error.description, status: .contentTooLarge)
        } catch let error as HTTPError {
            let message = error.body ?? Self.defaultMessage(error.status, request)
            return JSONResponse.error(message, status: error.status, headers: error.headers)
        } catch let error as any HTTPResponseError {
            // e.g. NIO's "too many bytes" from a body read outside `decodeJSONBody`.
            return JSONResponse.error(Self.defaultMessage(error.status, request), status: error.status)
        } catch {
            context.logger.error("request failed", metadata: [
                "error": .string(String(describing: error)), "path": .string(request.uri.path),
            ])
            return JSONResponse.error("internal error: \(error)", status: .internalServerError)
        }
    }

    private static func defaultMessage(_ status: HTTPResponse.Status, _ request: Request) -> String {
        if status == .notFound {
            return "no route for \(request.method.rawValue) \(request.uri.path) (see GET / for the dashboard, /v1/status, /v1/adapters, /v1/drift, /metrics)"
        }
        return status.reasonPhrase.lowercased()
    }
}

extension ControlPlaneError {
    /// The HTTP status this error is answered with.
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .notFound: .notFound
        case .badRequest: .badRequest
        case .conflict: .conflict
        case .unavailable: .serviceUnavailable
        }
    }
}
