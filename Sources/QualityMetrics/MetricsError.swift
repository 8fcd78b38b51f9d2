/// Input a metric cannot use: what was wrong and what is accepted.
public struct MetricsError: Error, CustomStringConvertible, Equatable {
    /// What was wrong and what is accepted.
    public let problem: String

    /// An error with its message.
    public init(_ problem: String) { self.problem = problem }

    /// The message.
    public var description: String { problem }
}
