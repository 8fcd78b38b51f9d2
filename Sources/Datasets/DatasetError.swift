import Foundation

/// A problem with a data file or folder: which one, and what is wrong with it.
///
/// Every reader in this module reports bad input through this error, never by
/// trapping; its `description` is one line such as
/// `digits.png: bad CRC in chunk IDAT (stored 0x1234abcd, computed 0x…)`.
public struct DatasetError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The file or folder concerned: a path, or for in-memory data and settings the name
    /// of what was being read or built (e.g. "data loader", "image grid").
    public let file: String
    /// What is wrong, and where useful what is accepted.
    public let problem: String

    /// An error about `file`.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// `file: problem`.
    public var description: String { "\(file): \(problem)" }
    /// The same line, for `localizedDescription`.
    public var errorDescription: String? { description }
}
