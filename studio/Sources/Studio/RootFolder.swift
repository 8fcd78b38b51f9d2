import Foundation

/// The one folder the studio serves from: every path a request names is relative
/// to it and must stay inside it once resolved. Absolute paths, `..` components,
/// NUL bytes and symbolic links that lead out of the root are refused; the studio
/// never writes there (or anywhere).
public struct RootFolder: Sendable {
    /// The root, with symbolic links resolved.
    public let url: URL

    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StudioError.badRequest("--root \(path): no such folder")
        }
        url = URL(fileURLWithPath: Self.realPath(path) ?? path, isDirectory: true)
    }

    /// The file or folder `relative` names under the root (resolved, existing), or a 400/404 saying why not.
    public func resolve(_ relative: String) throws -> URL {
        guard !relative.contains("\0") else { throw StudioError.badRequest("path contains a NUL byte") }
        guard !relative.hasPrefix("/"), !relative.hasPrefix("~") else {
            throw StudioError.badRequest("path '\(relative)' is absolute; give a path relative to the studio's root")
        }
        let components = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.contains("..") else {
            throw StudioError.badRequest("path '\(relative)' contains '..'; give a path inside the studio's root")
        }
        let joined = components.reduce(url) { $0.appendingPathComponent(String($1)) }
        guard let real = Self.realPath(joined.path) else {
            throw StudioError.notFound("'\(relative)' does not exist under the studio's root")
        }
        guard real == url.path || real.hasPrefix(url.path.hasSuffix("/") ? url.path : url.path + "/") else {
            throw StudioError.badRequest("path '\(relative)' leads out of the studio's root (a symbolic link); it is not served")
        }
        return URL(fileURLWithPath: real)
    }

    /// `url` relative to the root ("" for the root itself), for showing and for links.
    public func relativePath(of url: URL) -> String {
        let path = url.standardizedFileURL.path
        let root = self.url.path
        if path == root { return "" }
        return path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// realpath(3): the absolute path with every symbolic link, `.` and `..` resolved; nil if it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
