/// An error thrown by the diffusion layer for bad input: each case names what
/// was wrong, where, and what is accepted.
public enum DiffusionError: Error, Equatable, CustomStringConvertible {
    /// A schedule or sampler parameter is outside its accepted range.
    case invalidParameter(name: String, value: String, accepted: String)
    /// A β value is outside the open interval (0, 1).
    case betaOutOfRange(index: Int, value: Double)
    /// ᾱ does not strictly decrease, so the noise level does not grow with t.
    case nonMonotoneAlphaBar(index: Int, previous: Double, value: Double)
    /// A name (schedule, spacing, prediction or variance type) that is not known.
    case unknownName(kind: String, name: String, accepted: [String])
    /// A tensor does not have the shape the operation needs.
    case shapeMismatch(operation: String, expected: String, got: [Int])
    /// A timestep index outside `0..<T`, or a timestep list of the wrong length.
    case invalidTimesteps(operation: String, reason: String)

    /// What went wrong and what would be accepted instead.
    public var description: String {
        switch self {
        case let .invalidParameter(name, value, accepted):
            return "invalid \(name) = \(value); accepted: \(accepted)"
        case let .betaOutOfRange(index, value):
            return "beta[\(index)] = \(value) is outside the open interval (0, 1); every beta must satisfy 0 < beta < 1 "
                + "(only the last may be exactly 1: a zero-terminal-SNR schedule)"
        case let .nonMonotoneAlphaBar(index, previous, value):
            return "alpha_bar must strictly decrease, but alpha_bar[\(index)] = \(value) is not below alpha_bar[\(index - 1)] = \(previous)"
        case let .unknownName(kind, name, accepted):
            return "unknown \(kind) '\(name)'; accepted: \(accepted.joined(separator: ", "))"
        case let .shapeMismatch(operation, expected, got):
            return "\(operation): expected \(expected), got shape \(got)"
        case let .invalidTimesteps(operation, reason):
            return "\(operation): \(reason)"
        }
    }
}
