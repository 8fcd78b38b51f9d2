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

    /// Deletes the temporary files that writes into `directory` left behind when
    /// the process was killed mid-write (`.NAME.UUID.tmp`); other files stay.
    /// Returns the names it deleted.
    @discardableResult
    public static func removeLeftovers(in directory: URL) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        let leftovers = names.filter(isLeftover).sorted()
        for name in leftovers { try? FileManager.default.removeItem(at: directory.appendingPathComponent(name)) }
        return leftovers
    }

    /// Whether `name` has the form of a temporary file of `write`: `.NAME.UUID.tmp`.
    static func isLeftover(_ name: String) -> Bool {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return false }
        let stem = name.dropLast(4)
        guard let dot = stem.lastIndex(of: "."), dot > stem.index(after: stem.startIndex) else { return false }
        return UUID(uuidString: String(stem[stem.index(after: dot)...])) != nil
    }
}

/// A file that could not be written; names the path and the reason.
public struct AtomicFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
