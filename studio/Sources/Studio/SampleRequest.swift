import Foundation
import Pipelines

/// A Sample page request, checked: which model folder under the root, which sampler
/// and steps, the seed, how many samples, the class and the guidance weight.
struct SampleRequest: Sendable {
    /// The most samples one request draws (all in one batch, so every step shows them all).
    static let maximumCount = 64
    static let maximumSteps = 1000
    static let maximumGuidance = 20.0

    let modelPath: String
    let folder: URL
    let sampler: SamplerChoice
    let classes: ClassChoice
    let guidance: Double?
    let count: Int?
    let seed: UInt64

    init(_ query: QueryParameters, root: RootFolder) throws {
        modelPath = try query.string("model")
        folder = try root.resolve(modelPath)
        guard ModelFolderSummary.isModelFolder(folder) else {
            throw StudioError.badRequest(
                "'\(modelPath)' is not a model folder (config.json and diffusion_pytorch_model.safetensors, or unet/ holding them)")
        }
        let name = try query.choice("sampler", among: SamplerChoice.names, default: SamplerChoice.defaultName)
        let steps = try query.optionalInteger("steps", in: 1...Self.maximumSteps)
        let eta = try query.optionalNumber("eta", in: 0...1) ?? 0
        do {
            sampler = try SamplerChoice(name: name, steps: steps, eta: eta)
        } catch {
            throw StudioError.badRequest("\(error)")
        }
        switch query.optionalString("class") {
        case nil: classes = .none
        case "all": classes = .all
        case let text?:
            guard let label = Int(text), label >= 0 else {
                throw StudioError.badRequest("class=\(text) is not accepted; give a class index (0, 1, …) or 'all'")
            }
            classes = .single(label)
        }
        guidance = try query.optionalNumber("guidance", in: 0...Self.maximumGuidance)
        count = try query.optionalInteger("n", in: 1...Self.maximumCount)
        seed = try query.seed("seed")
    }
}
