/// Why training stopped or a training state could not be used.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The loss or gradient norm of a step was NaN or infinite; nothing of that step was kept.
    case nonFinite(quantity: String, step: Int, value: Float, checkpointStep: Int?)
    /// A training-state file that cannot be read or does not fit the model.
    case invalidState(file: String, problem: String)
    /// A file of the run could not be written.
    case writeFailed(file: String, problem: String)
    /// A training setting outside its accepted range.
    case invalidSetting(name: String, value: String, accepted: String)

    /// What stopped the run.
    public var description: String {
        switch self {
        case let .nonFinite(quantity, step, value, checkpointStep):
            let kept = checkpointStep.map { "the last good checkpoint (step \($0)) is intact" } ?? "no checkpoint was written yet"
            return "training stopped at step \(step): the \(quantity) is \(value); \(kept). "
                + "Try a lower --lr, a --grad-clip, or a longer --warmup"
        case let .invalidState(file, problem):
            return "\(file): \(problem)"
        case let .writeFailed(file, problem):
            return "\(file): \(problem)"
        case let .invalidSetting(name, value, accepted):
            return "invalid \(name) = \(value); accepted: \(accepted)"
        }
    }
}
