import Foundation
import Hummingbird

/// The pages and their scripts and style, read once from the package's resources
/// (plain HTML, CSS and JavaScript: no build step).
struct Pages: Sendable {
    struct File: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }

    let files: [String: File]

    init() throws {
        guard let folder = Bundle.module.url(forResource: "Pages", withExtension: nil) else {
            throw StudioError(.internalServerError, "the studio's pages are missing from its resources")
        }
        var files: [String: File] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let type =
                switch (name as NSString).pathExtension {
                case "html": "text/html; charset=utf-8"
                case "css": "text/css; charset=utf-8"
                case "js": "text/javascript; charset=utf-8"
                case "svg": "image/svg+xml"
                default: "application/octet-stream"
                }
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            files[name] = File(bytes: [UInt8](data), contentType: type)
        }
        self.files = files
    }

    func response(_ name: String) throws -> Response {
        guard let file = files[name] else { throw StudioError.notFound("no page or file named '\(name)'") }
        return Response(
            status: .ok, headers: [.contentType: file.contentType, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}
