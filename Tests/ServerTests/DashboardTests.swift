import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

@Suite struct DashboardTests {
    @Test func rootServesTheDashboardHTML() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = response.text
                #expect(html.hasPrefix("<!doctype html>"))
                #expect(html.contains("<title>StreamLoRA</title>"))
                #expect(html.contains("<script nonce="))
                #expect(html.contains(#"getJSON("/v1/status")"#))
                #expect(html.contains(#"getJSON("/v1/drift")"#))
                #expect(html.contains("POLL_MS = 2000"))
                #expect(html.contains("sessionStorage"))
                #expect(html.contains("function lineChart("))
                #expect(html.hasSuffix("</html>"))
            }
        }
    }

    @Test func dashboardLoadsNothingFromOtherOrigins() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/", method: .get) { response in
                let html = response.text
                // The only absolute URL allowed is the SVG namespace, which is never fetched.
                let urls = html.components(separatedBy: "http").dropFirst().map { "http" + $0.prefix(40) }
                #expect(urls.allSatisfy { $0.hasPrefix("http://www.w3.org/2000/svg") }, "\(urls)")
                #expect(!html.contains("<script src"))
                #expect(!html.contains("<link rel=\"stylesheet\""))
            }
        }
    }

    @Test func contentSecurityPolicyAllowsOnlyTheInlineScriptWithThisResponsesNonce() async throws {
        try await withServer(try FakeControlPlane()) { client in
            var nonces: [String] = []
            for _ in 0..<2 {
                try await client.execute(uri: "/", method: .get) { response in
                    let csp = try #require(response.headers[.contentSecurityPolicy])
                    let nonce = try #require(csp.firstMatch(of: /script-src 'nonce-([0-9a-f]{32})'/)?.1)
                    #expect(response.text.contains(#"<script nonce="\#(nonce)">"#))
                    #expect(csp.contains("default-src 'none'"))
                    #expect(csp.contains("connect-src 'self'"))
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    nonces.append(String(nonce))
                }
            }
            #expect(nonces[0] != nonces[1])
        }
    }

    @Test func scriptTagsAreBalanced() {
        let html = Dashboard.html(nonce: "00")
        #expect(html.components(separatedBy: "<script").count == 2)
        #expect(html.components(separatedBy: "</script>").count == 2)
        for script in [Dashboard.chartsScript, Dashboard.stateScript, Dashboard.renderScript, Dashboard.actionsScript] {
            #expect(!script.lowercased().contains("</script"), "a literal </script inside the script would end it early")
        }
    }

    /// A script lookup of a missing id throws at run time and blanks the page; catch typos here.
    @Test func everyElementTheScriptLooksUpExistsInTheMarkup() {
        let scripts = [Dashboard.stateScript, Dashboard.renderScript, Dashboard.actionsScript].joined()
        let ids = Set(scripts.matches(of: /\$\("([a-z0-9-]+)"\)/).map { String($0.1) })
        #expect(ids.count >= 20)
        for id in ids.sorted() {
            #expect(Dashboard.body.contains(#"id="\#(id)""#), "script uses #\(id) but the markup has no such element")
        }
    }
}
