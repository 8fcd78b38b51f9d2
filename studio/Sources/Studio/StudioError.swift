import Foundation
import Hummingbird

/// A request the studio refuses: the HTTP status and one sentence saying what was
/// wrong and what is accepted, sent as `{"error": "…"}`.
public struct StudioError: Error, HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// 400: a parameter out of range, a path that is not allowed, a model that cannot do what is asked.
    public static func badRequest(_ message: String) -> StudioError { StudioError(.badRequest, message) }
    /// 404: nothing of that name under the root.
    public static func notFound(_ message: String) -> StudioError { StudioError(.notFound, message) }

    public var description: String { message }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: ["error": message], options: [.sortedKeys])
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
