import ArgumentParser
import Foundation

/// Checks shared by the commands' `validate()`: each failure is a one-line
/// `ValidationError` naming the flag, the value and what is accepted.
enum Check {
    /// `value` ≥ `minimum`.
    static func atLeast(_ value: Int, _ minimum: Int, flag: String) throws {
        guard value >= minimum else {
            throw ValidationError("\(flag) must be an integer ≥ \(minimum), got \(value)")
        }
    }

    /// `value` within `range`.
    static func within(_ value: Int, _ range: ClosedRange<Int>, flag: String) throws {
        guard range.contains(value) else {
            throw ValidationError("\(flag) must be an integer in \(range.lowerBound)…\(range.upperBound), got \(value)")
        }
    }

    /// A finite `value` in the interval described by `lower`/`upper` (open or closed ends).
    static func finite(
        _ value: Double, flag: String, above lower: Double? = nil, atLeast lowerClosed: Double? = nil,
        below upper: Double? = nil, atMost upperClosed: Double? = nil
    ) throws {
        var accepted: [String] = []
        if let lower { accepted.append("> \(lower)") }
        if let lowerClosed { accepted.append("≥ \(lowerClosed)") }
        if let upper { accepted.append("< \(upper)") }
        if let upperClosed { accepted.append("≤ \(upperClosed)") }
        let inRange =
            value.isFinite
            && (lower.map { value > $0 } ?? true) && (lowerClosed.map { value >= $0 } ?? true)
            && (upper.map { value < $0 } ?? true) && (upperClosed.map { value <= $0 } ?? true)
        guard inRange else {
            let bounds = accepted.isEmpty ? "" : " " + accepted.joined(separator: " and ")
            throw ValidationError("\(flag) must be a finite number\(bounds), got \(value)")
        }
    }

    /// `value` is one of `choices`.
    static func oneOf(_ value: String, _ choices: [String], flag: String) throws {
        guard choices.contains(value) else {
            throw ValidationError("\(flag) '\(value)' is not accepted; choose one of \(choices.joined(separator: ", "))")
        }
    }

    /// `path` names a file that can be created or replaced: its folder exists and
    /// is writable, and the path itself is not a folder.
    static func outputFile(_ path: String, flag: String) throws {
        guard !path.isEmpty else { throw ValidationError("\(flag) needs a file path, got an empty string") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("\(flag) \(path) is a folder; give a file path")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(flag) \(path): folder \(folder) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw ValidationError("\(flag) \(path): folder \(folder) is not writable")
        }
    }

    /// `path` names a folder that exists or can be created (its nearest existing
    /// ancestor is a writable folder), and is not a file.
    static func outputFolder(_ path: String, flag: String) throws {
        guard !path.isEmpty else { throw ValidationError("\(flag) needs a folder path, got an empty string") }
        var isDirectory: ObjCBool = false
        var url = URL(fileURLWithPath: path).standardizedFileURL
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ValidationError("\(flag) \(path) is a file; give a folder path") }
            guard FileManager.default.isWritableFile(atPath: url.path) else {
                throw ValidationError("\(flag) \(path): folder is not writable")
            }
            return
        }
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue, FileManager.default.isWritableFile(atPath: url.path) else {
                    throw ValidationError("\(flag) \(path): cannot create it inside \(url.path)")
                }
                return
            }
        }
    }

    /// `path` names an existing folder.
    static func existingFolder(_ path: String, flag: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("\(flag) \(path): no such folder")
        }
        guard isDirectory.boolValue else { throw ValidationError("\(flag) \(path) is a file; expected a folder") }
    }
}
