import ArgumentParser
import Foundation

/// A failure while a command runs (not a usage error): what went wrong, in one line.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }

    /// One line for any error: its description with line breaks folded.
    static func describe(_ error: Error) -> String {
        let text: String
        if let error = error as? LocalizedError, let description = error.errorDescription {
            text = description
        } else {
            text = String(describing: error)
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: "; ")
    }
}

/// Training or sampling stopped by Ctrl-C after saving what it had.
struct Interrupted: Error, CustomStringConvertible {
    let description: String
}
