/// Input a metric cannot use: what was wrong and what is accepted.
public struct MetricsError: Error, CustomStringConvertible, Equatable {
    public let problem: String

    public init(_ problem: String) { self.problem = problem }

    public var description: String { problem }
}
