import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing to the standard streams.
enum Terminal {
    /// Whether stderr is a terminal (progress bars draw only then).
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Writes `text` to stderr as is.
    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Prints `error: message` as one line on stderr.
    static func printError(_ message: String) {
        let line = message.split(whereSeparator: \.isNewline).joined(separator: "; ")
        writeError("error: " + line + "\n")
    }

    /// Prints a line on stderr (notes and warnings that are not the command's output).
    static func printNote(_ message: String) {
        writeError(message + "\n")
    }
}
