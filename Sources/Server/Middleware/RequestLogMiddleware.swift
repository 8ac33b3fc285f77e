import Foundation
import Hummingbird
import Logging

/// Logs every request once, after it completed, with its status and duration, and counts it in
/// `HTTPMetrics`.
///
/// The dashboard polls twice every two seconds and orchestrators probe `/readyz`, so successful
/// reads and all probe answers log at `debug`; mutations, predictions, client errors and 503s at
/// `info`; other server errors at `error`. A token is never logged.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HTTPMetrics

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // ErrorMiddleware answers everything; this is only reached if it is not installed.
            record(request, context: context, status: 500, since: start)
            throw error
        }
        record(request, context: context, status: response.status.code, since: start)
        return response
    }

    private func record(_ request: Request, context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        // Hummingbird names the not-found responder's endpoint "NotFound"; one label for all misses.
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        metrics.record(method: request.method.rawValue, route: route, status: status, seconds: seconds)
        let isProbe = ["/healthz", "/readyz", "/metrics"].contains(route)
        let level: Logger.Level =
            status >= 500 && status != 503 ? .error
            : isProbe ? .debug
            : (status >= 400 || request.method != .get) ? .info : .debug
        context.logger.log(level: level, "\(request.method.rawValue) \(request.uri.path) \(status)", metadata: [
            "http.method": .string(request.method.rawValue),
            "http.path": .string(request.uri.path),
            "http.route": .string(route),
            "http.status": .stringConvertible(status),
            "http.duration_ms": .string(String(format: "%.2f", seconds * 1000)),
        ])
    }
}
