import Foundation
import XCTest
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The built `ddpm` tool, run as a child process by the tests that need a real
/// process: one to kill with SIGKILL, or one with its own resource limits.
/// SwiftPM builds it into the products folder that also holds the test bundle
/// (`.build/debug`, `.build/release`).
enum DDPMExecutable {
    /// The products folders the test bundle may sit in: the bundle's own
    /// folder on macOS (`….xctest` is a directory there), the folder of the
    /// test executable on Linux.
    static var productFolders: [URL] {
        var folders = [
            Bundle(for: BundleMarker.self).bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ]
        if let executable = Bundle.main.executableURL { folders.append(executable.deletingLastPathComponent()) }
        var seen = Set<String>()
        return folders.map(\.standardizedFileURL).filter { seen.insert($0.path).inserted }
    }

    /// The `ddpm` executable beside the test bundle; throws a failure naming the
    /// folders searched when it is not there.
    static func url() throws -> URL {
        let folders = productFolders
        for folder in folders {
            let candidate = folder.appendingPathComponent("ddpm")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate.path)
            {
                return candidate
            }
        }
        throw ExecutableMissing(folders: folders.map(\.path))
    }

    /// Starts `executable` with `arguments`, standard output discarded and
    /// standard error written to `standardError`.
    static func start(_ executable: URL, _ arguments: [String], standardError: URL) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: standardError.path, contents: nil)  // opening it below reports a failure
        let errorHandle = try FileHandle(forWritingTo: standardError)
        defer { try? errorHandle.close() }  // the child has its own copy once started
        process.standardError = errorHandle
        try process.run()
        return process
    }

    /// Runs `executable` to its end; returns its exit status (nil when a signal
    /// ended it) and its standard error (read through a pipe, which no file-size
    /// limit applies to).
    static func run(_ executable: URL, _ arguments: [String]) throws -> (status: Int32?, standardError: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationReason == .exit ? process.terminationStatus : nil, text)
    }

    /// The tool was not found in any products folder.
    struct ExecutableMissing: Error, CustomStringConvertible {
        let folders: [String]
        var description: String {
            "the ddpm executable is not in the build products folder (looked in \(folders.joined(separator: ", "))); "
                + "'swift test' builds it with the test bundle, or build it with 'swift build --product ddpm'"
        }
    }

    private final class BundleMarker {}
}
