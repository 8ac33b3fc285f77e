import Foundation
import Hummingbird

/// Guards mutations with `Authorization: Bearer <token>`.
///
/// - No token configured → 403 for every mutation, with a hint how to configure one: a control
///   plane nobody secured must not let anyone move the live version.
/// - Missing or wrong token → 401 with `WWW-Authenticate: Bearer`.
/// The comparison takes the same time wherever the first differing byte is, so the token cannot
/// be guessed byte by byte from response times.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?
    let hint: String

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else {
            return JSONResponse.error("mutations are disabled because the server has no API token; \(hint)",
                                      status: .forbidden)
        }
        let challenge: HTTPFields = [.wwwAuthenticate: #"Bearer realm="streamlora""#]
        guard let header = request.headers[.authorization] else {
            return JSONResponse.error("missing 'Authorization: Bearer <token>' header", status: .unauthorized,
                                      headers: challenge)
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else {
            return JSONResponse.error("the Authorization header must have the form 'Bearer <token>'",
                                      status: .unauthorized, headers: challenge)
        }
        let presented = header.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        guard constantTimeEquals(Array(presented.utf8), Array(token.utf8)) else {
            context.logger.warning("mutation refused: wrong bearer token", metadata: ["path": .string(request.uri.path)])
            return JSONResponse.error("invalid bearer token", status: .unauthorized, headers: challenge)
        }
        return try await next(request, context)
    }
}

/// Compares in time that depends only on the length of `expected`, never on where the inputs
/// differ. A length mismatch still walks all of `expected`.
func constantTimeEquals(_ presented: [UInt8], _ expected: [UInt8]) -> Bool {
    var difference = UInt8(presented.count == expected.count ? 0 : 1)
    for i in expected.indices {
        let p = i < presented.count ? presented[i] : 0
        difference |= p ^ expected[i]
    }
    return difference == 0
}
