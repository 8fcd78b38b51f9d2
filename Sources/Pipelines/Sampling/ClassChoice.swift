import Diffusion

/// Which classes to draw from a model folder, and with what guidance: the
/// labels of each sample and the network to run (wrapped in classifier-free
/// guidance, Ho & Salimans 2022, when a weight other than 1 is asked for).
public enum ClassChoice: Equatable, Sendable {
    /// No class: an unconditional model as it is, or a conditional one through its null class.
    case none
    /// One class index for every sample.
    case single(Int)
    /// Every class in turn, `perClass` samples each (a grid row per class).
    case all

    /// What to draw: the sample count, one label per sample (nil for an unconditional
    /// model) and the grid's columns when each row is one class.
    public struct Plan: Equatable, Sendable {
        /// How many samples are drawn.
        public let count: Int
        /// One class label per sample (the null class for unguided draws of a conditional model); nil for an unconditional model.
        public let labels: [Int]?
        /// The grid's columns when each row is one class (`.all`); nil otherwise.
        public let columns: Int?
    }

    /// The plan for `loaded`: `count` samples (default 64), or with `.all` `count`
    /// per class (default 8). Throws when the choice does not fit the model.
    public func plan(count: Int?, for loaded: DenoiserFolder.Loaded, named model: String) throws -> Plan {
        guard let classes = loaded.classCount else {
            if self != .none { throw PipelineError(problem: "\(model) is not class-conditional; draw it without a class") }
            return Plan(count: count ?? 64, labels: nil, columns: nil)
        }
        switch self {
        case .none:
            guard let conditioning = loaded.conditioning else {
                throw PipelineError(
                    problem: "\(model) is class-conditional with no null class recorded (\(ClassConditioning.fileName)); "
                        + "choose a class 0…\(classes - 1) or all")
            }
            let count = count ?? 64
            return Plan(count: count, labels: Array(repeating: conditioning.nullClass, count: count), columns: nil)
        case .all:
            let perClass = count ?? 8
            return Plan(
                count: classes * perClass, labels: (0..<classes).flatMap { Array(repeating: $0, count: perClass) }, columns: perClass)
        case .single(let label):
            guard (0..<classes).contains(label) else {
                let names = loaded.conditioning.map { " (" + $0.classNames.joined(separator: ", ") + ")" } ?? ""
                throw PipelineError(problem: "class \(label) is out of range; \(model) knows classes 0…\(classes - 1)\(names)")
            }
            let count = count ?? 64
            return Plan(count: count, labels: Array(repeating: label, count: count), columns: nil)
        }
    }

    /// The network of `loaded` guided with weight `guidance` (1 or nil: the plain
    /// conditional output) and guidance rescale φ. Guidance needs a model trained with a null class.
    public static func guidedModel(
        _ loaded: DenoiserFolder.Loaded, guidance: Double?, rescale: Double = 0, named model: String
    ) throws -> any DenoisingModel {
        guard let guidance, guidance != 1 else { return loaded.model }
        guard let conditioning = loaded.conditioning else {
            throw PipelineError(
                problem: "guidance \(guidance): \(model) has no null class (\(ClassConditioning.fileName)); "
                    + "guidance needs a model trained with 'ddpm train --conditional'")
        }
        return try ClassifierFreeGuidance(
            model: loaded.model, scale: guidance, classCount: conditioning.classCount,
            nullClass: conditioning.nullClass, variance: loaded.scheduler.variance, rescale: rescale)
    }
}
