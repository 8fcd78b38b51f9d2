import Diffusion
import Pipelines

/// What `--class` and `--guidance` ask of a model folder, shared by the
/// commands that sample (sample, eval, the guided flags): the flags read as
/// the library's `ClassChoice`.
enum ClassSelection {
    /// The labels to draw for `--class` (an index, 'all' or none) and `--n`.
    static func labelPlan(
        classChoice: String?, n: Int?, loaded: DenoiserFolder.Loaded, model: String
    ) throws -> ClassChoice.Plan {
        try choice(classChoice).plan(count: n, for: loaded, named: model)
    }

    /// `--class` (an index, 'all' or none) as the library's choice.
    static func choice(_ classChoice: String?) throws -> ClassChoice {
        switch classChoice {
        case nil: return .none
        case "all": return .all
        case let text?:
            guard let label = Int(text) else {
                throw CommandError("--class \(text) is not accepted; give a class index (0, 1, …) or 'all'")
            }
            return .single(label)
        }
    }
}
