import Foundation
import FileSupport

/// Reading whole files with a size bound, and writing them atomically.
enum FileAccess {
    /// The largest file any reader here will load (4 GiB).
    static let defaultMaximumBytes = 1 << 32

    /// The bytes of the file at `path`, refusing directories, missing or
    /// unreadable files and files larger than `maximumBytes`.
    static func readBytes(atPath path: String, maximumBytes: Int = defaultMaximumBytes) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DatasetError(file: path, problem: "no such file")
        }
        if isDirectory.boolValue {
            throw DatasetError(file: path, problem: "is a directory, expected a file")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = (attributes?[.size] as? NSNumber)?.int64Value, size > Int64(maximumBytes) {
            throw DatasetError(file: path, problem: "file is \(size) bytes, larger than the \(maximumBytes)-byte limit")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DatasetError(file: path, problem: "cannot open the file for reading (permissions?)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw DatasetError(file: path, problem: "read failed: \(error.localizedDescription)")
        }
        if data.count > maximumBytes {
            throw DatasetError(file: path, problem: "file is larger than the \(maximumBytes)-byte limit")
        }
        return [UInt8](data)
    }

    /// Writes `bytes` to `path` atomically (`AtomicFile`): readers see either
    /// the old file or the complete new one, never a partial write.
    static func writeAtomically(_ bytes: [UInt8], toPath path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError(file: path, problem: "cannot write: folder \(folder) does not exist")
        }
        do {
            try AtomicFile.write(Data(bytes), to: url)
        } catch let error as AtomicFileError {
            throw DatasetError(file: path, problem: error.reason)
        }
    }
}
