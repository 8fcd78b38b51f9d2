import ArgumentParser
import Diffusion
import Pipelines

/// One class and an optional guidance weight, for the editing commands
/// (`img2img`, `inpaint`, `interpolate`) on a class-conditional model.
struct GuidanceFlags: ParsableArguments {
    @Option(name: .customLong("class"), help: "For a class-conditional model: the class index to draw.")
    var classIndex: Int?

    @Option(help: "Classifier-free guidance weight w ≥ 0 (needs --class).")
    var guidance: Double?

    @Option(name: .customLong("guidance-rescale"), help: "Guidance rescale φ in [0, 1] (needs --guidance). (default: 0.0)")
    var guidanceRescale: Double = 0

    func validate() throws {
        if let classIndex { try Check.atLeast(classIndex, 0, flag: "--class") }
        if let guidance {
            try Check.finite(guidance, flag: "--guidance", atLeast: 0)
            if classIndex == nil { throw ValidationError("--guidance needs --class to guide towards") }
        }
        try Check.finite(guidanceRescale, flag: "--guidance-rescale", atLeast: 0)
        if guidanceRescale > 1 { throw ValidationError("--guidance-rescale \(guidanceRescale) is not accepted; give a number in [0, 1]") }
        if guidanceRescale > 0, guidance == nil { throw ValidationError("--guidance-rescale needs --guidance") }
    }

    /// The network (guided if asked) and the labels for `count` examples.
    func model(_ loaded: DenoiserFolder.Loaded, count: Int, folder: String) throws -> (model: any DenoisingModel, labels: [Int]?) {
        let plan = try ClassSelection.labelPlan(classChoice: classIndex.map(String.init), n: count, loaded: loaded, model: folder)
        let network = try ClassChoice.guidedModel(loaded, guidance: guidance, rescale: guidanceRescale, named: folder)
        return (network, plan.labels)
    }
}
