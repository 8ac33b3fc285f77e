/// The dashboard page, assembled from `Dashboard+Markup.swift`, `Dashboard+Style.swift` and the
/// script parts (`+Charts`: SVG helpers, `+State`: polling and history, `+Render`: panels,
/// `+Actions`: token, promote and rollback).
///
/// It polls `/v1/status` and `/v1/drift` every 2 s, keeps a client-side history for the plots
/// (the agent serves only current values), and drives promote/rollback with a token kept in
/// `sessionStorage` (gone when the tab closes).
enum Dashboard {
    /// The page with `nonce` on its script tag.
    static func html(nonce: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>StreamLoRA</title>
        <link rel="icon" href="data:,">
        <style>\(style)</style>
        </head>
        <body>
        \(body)
        <script nonce="\(nonce)">\(chartsScript)\(stateScript)\(renderScript)\(actionsScript)</script>
        </body>
        </html>
        """
    }

    /// Scripts only with this response's nonce; styles inline; fetches only to this origin.
    static func contentSecurityPolicy(nonce: String) -> String {
        "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'unsafe-inline'; connect-src 'self'; "
            + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    /// 128 random bits, hex.
    static func makeNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
