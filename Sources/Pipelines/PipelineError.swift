/// A pipeline's input that it cannot use: what was wrong and what is accepted.
public struct PipelineError: Error, CustomStringConvertible, Equatable {
    public let problem: String

    public init(problem: String) { self.problem = problem }

    public var description: String { problem }
}
