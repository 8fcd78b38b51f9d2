import ArgumentParser
import Datasets
import Diffusion
import Foundation
import Pipelines
import Tensors

/// `ddpm inpaint`: RePaint — fills the white region of a mask PNG with what
/// the model draws, keeping the rest of the image exactly.
struct InpaintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inpaint",
        abstract: "Fill the masked region of an image with the model (RePaint), keeping the rest exactly.")

    @Option(help: "A model folder (written by 'ddpm train', or a diffusers UNet2DModel folder).")
    var model: String

    @Option(help: "The PNG to complete, of the model's size.")
    var image: String

    @Option(help: "A black-and-white PNG of the image's size: white = fill, black = keep.")
    var mask: String

    @Option(help: "Reverse steps N on the grid t = g·⌊T/N⌋ (default 100).")
    var steps = 100

    @Option(name: .customLong("jump-length"), help: "Steps between (and length of) RePaint's jumps back up (default 10).")
    var jumpLength = 10

    @Option(help: "How often each stretch is passed going down: 1 = no resampling (default 10, as RePaint).")
    var resample = 10

    @Option(help: "η of each reverse step: 1 = ancestral, as RePaint (default); 0 = deterministic DDIM.")
    var eta: Double = 1

    @Option(help: "Completions of the image.")
    var n = 8

    @Option(help: "Seed of the noise.")
    var seed: UInt64 = 0

    @Option(help: "Write a PNG grid here: the input with the region to fill grey, then the completions.")
    var out: String

    @OptionGroup var conditioning: GuidanceFlags
    @OptionGroup var threading: ThreadingOptions

    func validate() throws {
        try Check.existingFolder(model, flag: "--model")
        try Check.within(steps, 1...100_000, flag: "--steps")
        try Check.within(jumpLength, 1...100_000, flag: "--jump-length")
        try Check.within(resample, 1...1000, flag: "--resample")
        try Check.finite(eta, flag: "--eta", atLeast: 0)
        try Check.within(n, 1...1024, flag: "--n")
        try Check.outputFile(out, flag: "--out")
    }

    func run() throws {
        threading.apply()
        let loaded = try DenoiserFolder.load(from: URL(fileURLWithPath: model))
        for warning in loaded.warnings { Terminal.printNote("warning: \(warning)") }
        let input = try ImageInput.image(at: image, flag: "--image", exampleShape: loaded.exampleShape, resize: false)
        let region = try ImageInput.mask(at: mask, flag: "--mask", size: loaded.exampleShape[1])
        let diffusion = try loaded.scheduler.makeDiffusion()
        guard steps <= diffusion.schedule.count else {
            throw CommandError("--steps \(steps) exceeds the model's \(diffusion.schedule.count) training timesteps")
        }
        let pipeline = try Inpainting(diffusion: diffusion, steps: steps, jumpLength: jumpLength, resampleCount: resample, eta: eta)
        let (network, labels) = try conditioning.model(loaded, count: n, folder: model)
        let bar = ProgressBar(total: pipeline.modelEvaluations, label: "inpaint")
        defer { bar.finish() }
        var generator = RandomGenerator(seed: seed)
        let images = Tensor.concat(Array(repeating: input, count: n), axis: 0)
        let filled = try pipeline(model: network, images: images, mask: region, classLabels: labels, generator: &generator) { step in
            bar.update(step: step.step + 1)
        }.clamped(-1, 1)
        let shown = input * (1 - region)  // the region to fill shown mid-grey (0 in [−1, 1])
        try ImageGrid.write(Tensor.concat([shown, filled], axis: 0), toFile: out, columns: min(n + 1, 9))
        print(
            "wrote \(out) (the input with the region to fill grey, then \(n) completions; "
                + "\(pipeline.modelEvaluations) model evaluations each)")
    }
}
