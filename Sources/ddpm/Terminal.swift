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

    /// Writes `text` to stderr as is. A stderr that cannot take it (a file on a
    /// full disk) loses the text rather than crashing the tool, which still
    /// exits with its code.
    static func writeError(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
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
