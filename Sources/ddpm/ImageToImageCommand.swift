import ArgumentParser
import Datasets
import Diffusion
import Foundation
import Pipelines
import Tensors

/// `ddpm img2img`: SDEdit — noises a PNG to `--strength` and lets the model
/// redraw it with any sampler; writes a grid of the input and `--n` redrawings.
struct ImageToImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "img2img",
        abstract: "Redraw an image with a model (SDEdit): noise it part-way, then denoise it with any sampler.")

    @Option(help: "A model folder (written by 'ddpm train', or a diffusers UNet2DModel folder).")
    var model: String

    @Option(help: "The PNG to redraw (resized and centre-cropped to the model's size if needed).")
    var image: String

    @Option(
        help: ArgumentHelp(
            "How much of the sampling run is redone, in [0, 1] (default 0.5).",
            discussion:
                "0 returns the input, 1 redraws from (almost) pure noise; of the sampler's N steps the last ⌊N·strength⌋ run, as in diffusers."
        ))
    var strength: Double = 0.5

    @Option(help: "Redrawings of the image.")
    var n = 8

    @Option(help: "Seed of the noise added and the sampler's draws.")
    var seed: UInt64 = 0

    @Option(help: "Write a PNG grid here: the input, then the redrawings.")
    var out: String

    @OptionGroup var sampling: SamplerFlags
    @OptionGroup var conditioning: GuidanceFlags
    @OptionGroup var threading: ThreadingOptions

    func validate() throws {
        try Check.existingFolder(model, flag: "--model")
        try Check.finite(strength, flag: "--strength", atLeast: 0)
        if strength > 1 {
            throw ValidationError("--strength \(strength) is not accepted; give a number in [0, 1] (0 keeps the input, 1 redraws it)")
        }
        try Check.within(n, 1...1024, flag: "--n")
        try Check.outputFile(out, flag: "--out")
    }

    func run() throws {
        threading.apply()
        let loaded = try DenoiserFolder.load(from: URL(fileURLWithPath: model))
        for warning in loaded.warnings { Terminal.printNote("warning: \(warning)") }
        let input = try ImageInput.image(at: image, flag: "--image", exampleShape: loaded.exampleShape, resize: true)
        let (network, labels) = try conditioning.model(loaded, count: n, folder: model)
        let sampler = try sampling.makeSampler(diffusion: try loaded.scheduler.makeDiffusion(), scheduler: loaded.scheduler)
        let pipeline = try ImageToImage(sampler: sampler, strength: strength)
        let start = pipeline.startStep, total = sampler.timesteps.count - start
        let bar = ProgressBar(total: max(total, 1), label: "img2img")
        defer { bar.finish() }
        var generator = RandomGenerator(seed: seed)
        let images = Tensor.concat(Array(repeating: input, count: n), axis: 0)
        let edited = try pipeline(model: network, images: images, classLabels: labels, generator: &generator) { step in
            bar.update(step: step.step - start + 1)
        }.clamped(-1, 1)
        try ImageGrid.write(Tensor.concat([input, edited], axis: 0), toFile: out, columns: min(n + 1, 9))
        print(
            "wrote \(out) (the input, then \(n) redrawings at strength \(strength): \(total) of \(sampler.timesteps.count) \(sampling.sampler) steps)"
        )
    }
}
