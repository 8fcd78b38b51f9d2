import ArgumentParser
import Datasets
import Diffusion
import Foundation
import NN
import Pipelines
import Tensors

/// `ddpm sample`: draws samples from a model folder with DDPM, DDIM or
/// DPM-Solver++ and writes a PNG grid, one PNG per sample, a `.npy` array
/// and/or a trajectory strip of x̂0 over the steps. A class-conditional model
/// draws a chosen class (`--class 7`), every class (`--class all`, one grid row
/// per class) or, when it was trained with a null class, unconditional samples;
/// `--guidance w` applies classifier-free guidance.
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw samples from a trained model folder.")

    @Option(help: "A model folder (written by 'ddpm train', or a diffusers UNet2DModel folder).")
    var model: String

    @OptionGroup var sampling: SamplerFlags

    @Option(help: "Number of samples (default 64; with --class all, samples per class, default 8).")
    var n: Int?

    @Option(name: .customLong("batch-size"), help: "Samples drawn at once.")
    var batchSize = 16

    @Option(help: "Seed of the initial noise and the sampler's draws.")
    var seed: UInt64 = 0

    @Option(name: .customLong("class"), help: "For a class-conditional model: a class index, or 'all' for one grid row per class.")
    var classChoice: String?

    @Option(
        help:
            "Classifier-free guidance weight w ≥ 0 (1 = plain conditional, 0 = unconditional; needs --class and a model trained with --conditional)."
    )
    var guidance: Double?

    @Option(
        name: .customLong("guidance-rescale"),
        help: ArgumentHelp(
            "Guidance rescale φ in [0, 1] (Lin et al. 2024; diffusers' guidance_rescale): pulls the guided output's spread back towards the conditional one's.",
            discussion: "0 (default) is plain guidance; 0.7 is the paper's choice. Needs --guidance."))
    var guidanceRescale: Double = 0

    @Option(help: "Write a PNG grid of the samples here.")
    var grid: String?

    @Option(name: .customLong("out-dir"), help: "Write one PNG per sample into this folder.")
    var outDir: String?

    @Option(help: "Write the samples as float32 NumPy (.npy), in [0, 1] for images.")
    var npy: String?

    @Option(help: "Write a strip of x̂0 over the steps (first 8 samples) here.")
    var trajectory: String?

    func validate() throws {
        if let n { try Check.within(n, 1...1_000_000, flag: "--n") }
        try Check.within(batchSize, 1...65536, flag: "--batch-size")
        if let classChoice, classChoice != "all" {
            guard let label = Int(classChoice) else {
                throw ValidationError("--class \(classChoice) is not accepted; give a class index (0, 1, …) or 'all'")
            }
            try Check.atLeast(label, 0, flag: "--class")
        }
        if let guidance {
            try Check.finite(guidance, flag: "--guidance", atLeast: 0)
            if classChoice == nil { throw ValidationError("--guidance needs --class (a class index or 'all') to guide towards") }
        }
        try Check.finite(guidanceRescale, flag: "--guidance-rescale", atLeast: 0)
        if guidanceRescale > 1 { throw ValidationError("--guidance-rescale \(guidanceRescale) is not accepted; give a number in [0, 1]") }
        if guidanceRescale > 0, guidance == nil { throw ValidationError("--guidance-rescale needs --guidance") }
        try Check.existingFolder(model, flag: "--model")
        guard grid != nil || outDir != nil || npy != nil || trajectory != nil else {
            throw ValidationError("nothing to write: give at least one of --grid, --out-dir, --npy, --trajectory")
        }
        if let grid { try Check.outputFile(grid, flag: "--grid") }
        if let npy { try Check.outputFile(npy, flag: "--npy") }
        if let trajectory { try Check.outputFile(trajectory, flag: "--trajectory") }
        if let outDir { try Check.outputFolder(outDir, flag: "--out-dir") }
    }

    @OptionGroup var threading: ThreadingOptions

    func run() throws {
        threading.apply()
        let drawing = try FolderSampling(
            folder: URL(fileURLWithPath: model), name: model, sampler: try sampling.choice,
            classes: try ClassSelection.choice(classChoice), guidance: guidance, guidanceRescale: guidanceRescale,
            count: n, batchSize: batchSize, seed: seed)
        let loaded = drawing.loaded
        for warning in loaded.warnings { Terminal.printNote("warning: \(warning)") }
        let isImage = loaded.exampleShape.count == 3
        if !isImage, grid != nil || outDir != nil || trajectory != nil {
            throw CommandError("\(model) makes \(loaded.exampleShape[0])-D points, not images; write them with --npy")
        }
        if isImage, !drawing.drawsPNGImages, grid != nil || outDir != nil || trajectory != nil {
            throw CommandError("\(model) makes \(loaded.exampleShape[0])-channel images; PNG needs 1 or 3 channels (use --npy)")
        }
        let plan = drawing.plan
        let n = plan.count
        let samples = try SamplingLoop.draw(
            drawing.pipeline, count: n, labels: plan.labels, trajectoryCount: trajectory == nil ? 0 : min(8, n))
        if let grid {
            try ImageGrid.write(samples.samples, toFile: grid, columns: plan.columns)
            print("wrote \(grid)" + (plan.columns != nil ? " (one row per class)" : ""))
        }
        if let npy {
            try NPY.write(FolderSampling.npyArray(samples.samples, isImage: isImage), toFile: npy)
            print("wrote \(npy)")
        }
        if let outDir {
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            let digits = String(n - 1).count
            for index in 0..<n {
                let name = String(repeating: "0", count: max(0, digits - String(index).count)) + String(index)
                let image = try PixelImage(tensor: samples.samples.slice(axis: 0, index..<(index + 1)).reshaped(loaded.exampleShape))
                try PNG.write(image, toFile: outDir + "/sample-\(name).png")
            }
            print("wrote \(n) PNG files into \(outDir)")
        }
        if let trajectory, let strip = samples.trajectory {
            try ImageGrid.write(strip.images, toFile: trajectory, columns: strip.columns)
            print("wrote \(trajectory) (rows: samples; columns: x̂0 at \(strip.columns) of the steps)")
        }
    }
}
