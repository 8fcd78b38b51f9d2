import Foundation
import Hummingbird
import Logging
import Pipelines

/// The studio: a web app over one root folder. Sample (watch x_t and x̂0 of a
/// model folder's samples step by step), Forward process (q(x_t | x0) on a
/// slider beside the schedule), Training runs (the runs under the root as
/// their logs grow). It reads only under the root and writes nothing.
public final class Studio: Sendable {
    /// The largest request body accepted (no route needs one).
    public static let maximumBodyBytes = 16 * 1024

    public let root: RootFolder
    let catalog: FolderCatalog
    let jobs: SamplingJobs
    let previews: ForwardPreviews
    let runs: RunStatuses
    let models = ModelSummaries()
    let pages: Pages

    /// A studio serving `root`, running at most `samplingSlots` sampling jobs at once.
    public init(root: String, samplingSlots: Int = 1) throws {
        self.root = try RootFolder(path: root)
        catalog = FolderCatalog(root: self.root)
        jobs = SamplingJobs(capacity: samplingSlots)
        runs = RunStatuses(root: self.root)
        previews = ForwardPreviews(root: self.root, runs: runs)
        pages = try Pages()
    }

    /// Every route of the studio.
    public func router() -> Router<StudioRequestContext> {
        let router = Router(context: StudioRequestContext.self)
        router.add(middleware: BodyLimitMiddleware())
        addPageRoutes(to: router)
        addSampleRoutes(to: router)
        addForwardRoutes(to: router)
        addRunRoutes(to: router)
        return router
    }

    /// The server on `host:port` (port 0: any free port); `onRunning` gets the port it listens on.
    public func application(
        host: String = "127.0.0.1", port: Int = 8080, logLevel: Logger.Level = .warning,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var logger = Logger(label: "ddpm-studio")
        logger.logLevel = logLevel
        return Application(
            router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "ddpm-studio"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// A JSON response of `object`.
    static func json(_ object: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A response of `bytes` with a content type (and a download name when given).
    static func bytes(_ bytes: [UInt8], type: String, download: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-cache"]
        if let download { headers[.contentDisposition] = "attachment; filename=\"\(download)\"" }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
