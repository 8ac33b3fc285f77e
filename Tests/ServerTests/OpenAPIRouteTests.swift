import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// `/openapi.json` lists exactly the routes the router serves: same paths, same methods.
@Suite struct OpenAPIRouteTests {
    /// `METHOD /path/{param}` for every route the router really has.
    static func servedRoutes() throws -> Set<String> {
        let router = makeServerRouter(controlPlane: try FakeControlPlane())
        return Set(router.routes.map { route in
            let path = "\(route.path)".split(separator: "/").map { segment in
                segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
            }.joined(separator: "/")
            return "\(route.method.rawValue) /\(path)"
        })
    }

    @Test func documentListsExactlyTheServedRoutes() async throws {
        let served = try Self.servedRoutes()
        #expect(served.count >= 14, "the router should serve every documented route: \(served.sorted())")
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
                #expect(object["openapi"] as? String == "3.0.3")
                let paths = try #require(object["paths"] as? [String: [String: Any]])
                var documented = Set<String>()
                for (path, operations) in paths {
                    for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
                }
                #expect(documented == served,
                        "documented only: \(documented.subtracting(served).sorted()); served only: \(served.subtracting(documented).sorted())")
            }
        }
    }

    @Test func everyReferenceResolves() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let components = try #require(object["components"] as? [String: [String: Any]])
        let pattern = try NSRegularExpression(pattern: ##""\$ref": "#/components/([a-zA-Z]+)/([a-zA-Z]+)""##)
        let text = OpenAPIDocument.json
        let refs = pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            (String(text[Range(m.range(at: 1), in: text)!]), String(text[Range(m.range(at: 2), in: text)!]))
        }
        #expect(refs.count > 10)
        for (section, name) in refs {
            #expect(components[section]?[name] != nil, "unresolved $ref #/components/\(section)/\(name)")
        }
    }
}
