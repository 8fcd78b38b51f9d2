import Diffusion

/// What `--class` and `--guidance` ask of a model folder, shared by the
/// commands that sample (sample, eval, the guided flags).
enum ClassSelection {
    /// The labels to draw: `count` samples, their labels (nil for an unconditional
    /// model) and the grid's columns when each row is one class.
    static func labelPlan(
        classChoice: String?, n: Int?, loaded: DenoiserFolder.Loaded, model: String
    ) throws
        -> (count: Int, labels: [Int]?, columns: Int?)
    {
        guard let classes = loaded.classCount else {
            if let classChoice { throw CommandError("--class \(classChoice): \(model) is not class-conditional") }
            return (n ?? 64, nil, nil)
        }
        guard let classChoice else {
            guard let conditioning = loaded.conditioning else {
                throw CommandError(
                    "\(model) is class-conditional with no null class recorded (\(ClassConditioning.fileName)); "
                        + "give --class 0…\(classes - 1) or --class all")
            }
            let count = n ?? 64
            return (count, Array(repeating: conditioning.nullClass, count: count), nil)
        }
        if classChoice == "all" {
            let perClass = n ?? 8
            return (classes * perClass, (0..<classes).flatMap { Array(repeating: $0, count: perClass) }, perClass)
        }
        let label = Int(classChoice) ?? -1
        guard (0..<classes).contains(label) else {
            let names = loaded.conditioning.map { " (" + $0.classNames.joined(separator: ", ") + ")" } ?? ""
            throw CommandError("--class \(classChoice) is out of range; \(model) knows classes 0…\(classes - 1)\(names)")
        }
        let count = n ?? 64
        return (count, Array(repeating: label, count: count), nil)
    }

    /// The network, wrapped in classifier-free guidance when a weight other than 1 is asked for.
    static func guidedModel(
        _ loaded: DenoiserFolder.Loaded, guidance: Double?, rescale: Double = 0,
        model: String
    ) throws -> any DenoisingModel {
        guard let guidance, guidance != 1 else { return loaded.model }  // w = 1: the conditional output, rescale or not
        guard let conditioning = loaded.conditioning else {
            throw CommandError(
                "--guidance \(guidance): \(model) has no null class (\(ClassConditioning.fileName)); "
                    + "guidance needs a model trained with 'ddpm train --conditional'")
        }
        return try ClassifierFreeGuidance(
            model: loaded.model, scale: guidance, classCount: conditioning.classCount,
            nullClass: conditioning.nullClass, variance: loaded.scheduler.variance,
            rescale: rescale)
    }
}
