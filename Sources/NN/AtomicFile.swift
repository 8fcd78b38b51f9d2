import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader (or a crash) never sees a half-written one:
/// the bytes go to a temporary file beside the target, are flushed to disk,
/// and the temporary file is renamed over the target.
public enum AtomicFile {
    /// Replaces the file at `url` with `data`; on failure the old file is untouched.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { try $0.write(contentsOf: data) }
    }

    /// Replaces the file at `url` with what `body` writes to the handle it is
    /// given (for contents streamed in pieces); on failure the old file is untouched.
    public static func write(to url: URL, _ body: (FileHandle) throws -> Void) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw AtomicFileError(path: url.path, reason: "cannot create a temporary file in \(directory.path)")
        }
        var renamed = false
        defer { if !renamed { try? FileManager.default.removeItem(at: temporary) } }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try body(handle)
            try handle.synchronize()
        } catch {
            throw AtomicFileError(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            throw AtomicFileError(path: url.path, reason: "cannot move the temporary file into place (errno \(errno))")
        }
        renamed = true
    }
}

/// A file that could not be written; names the path and the reason.
public struct AtomicFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
