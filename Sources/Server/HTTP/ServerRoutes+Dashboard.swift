import Hummingbird

extension ServerRoutes {
    /// `GET /`: the dashboard, one self-contained page (no CDN: the agent may run air-gapped).
    ///
    /// A fresh nonce per response lets the inline script run under a strict Content-Security-
    /// Policy that forbids every other script, so a label or adapter name from the stream can
    /// never execute even if it slipped through the page's escaping.
    func addDashboardRoute(to router: Router<ServerRequestContext>) {
        router.get("/") { _, _ in
            let nonce = Dashboard.makeNonce()
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.cacheControl] = "no-store"
            headers[.contentSecurityPolicy] = Dashboard.contentSecurityPolicy(nonce: nonce)
            headers[.xContentTypeOptions] = "nosniff"
            headers[.init("Referrer-Policy")!] = "no-referrer"
            return Response(status: .ok, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: Dashboard.html(nonce: nonce))))
        }
    }
}
