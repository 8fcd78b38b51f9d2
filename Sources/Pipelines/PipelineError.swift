/// A pipeline's input that it cannot use: what was wrong and what is accepted.
public struct PipelineError: Error, CustomStringConvertible, Equatable {
    /// What cannot be done, and what would be accepted.
    public let problem: String

    /// An error with its message.
    public init(problem: String) { self.problem = problem }

    /// The message.
    public var description: String { problem }
}
