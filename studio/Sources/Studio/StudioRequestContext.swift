import Hummingbird

/// The studio's request context: Hummingbird's basic one with request bodies capped at 16 KiB.
public struct StudioRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// No route takes more than a few bytes of body.
    public var maxUploadSize: Int { Studio.maximumBodyBytes }
}

/// Refuses a request whose declared body is larger than the cap (413) before any route reads it.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = StudioRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > Studio.maximumBodyBytes {
            throw StudioError(.contentTooLarge, "request body of \(length) bytes; the studio accepts at most \(Studio.maximumBodyBytes)")
        }
        return try await next(request, context)
    }
}
