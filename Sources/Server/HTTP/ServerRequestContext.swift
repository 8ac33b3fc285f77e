import Hummingbird

/// The request context of every control-plane route.
///
/// Its own type (rather than `BasicRequestContext`) so routes and middleware of this module can
/// grow per-request state without touching call sites, and so Hummingbird's built-in decoders
/// share the 1 MiB default limit.
struct ServerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Hummingbird's own decoding limit; the routes read bodies with
    /// `ServerConfiguration.maxBodyBytes`.
    var maxUploadSize: Int { 1 << 20 }
}
