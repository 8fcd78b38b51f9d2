import ArgumentParser
import Datasets
import Diffusion
import Foundation
import Pipelines
import Tensors

/// `ddpm interpolate`: a strip of samples along the spherical path between two
/// seeds' starting noise, or between two real images inverted by DDIM.
struct InterpolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Draw a strip between two seeds' samples (slerp of their noise), or between two images by DDIM inversion.")

    @Option(help: "A model folder (written by 'ddpm train', or a diffusers UNet2DModel folder).")
    var model: String

    @Option(
        help: ArgumentHelp(
            "Two seeds A,B: the ends are the first samples of 'ddpm sample --seed A' and '--seed B' (same sampler).",
            discussion: "Give --seeds or --images."))
    var seeds: String?

    @Option(help: "Two PNGs a.png,b.png of the model's size: each is inverted by DDIM (--sampler ddim), the path runs between them.")
    var images: String?

    @Option(help: "Frames in the strip, both ends included.")
    var frames = 8

    @Option(help: "Write the strip (one row) as a PNG here.")
    var out: String

    @OptionGroup var sampling: SamplerFlags
    @OptionGroup var conditioning: GuidanceFlags
    @OptionGroup var threading: ThreadingOptions

    func validate() throws {
        try Check.existingFolder(model, flag: "--model")
        guard (seeds == nil) != (images == nil) else { throw ValidationError("give either --seeds A,B or --images a.png,b.png") }
        if let seeds {
            let parts = seeds.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ UInt64($0) != nil }) else {
                throw ValidationError("--seeds '\(seeds)' is not accepted; give two seeds A,B (non-negative integers)")
            }
        }
        if let images, images.split(separator: ",", omittingEmptySubsequences: false).count != 2 {
            throw ValidationError("--images '\(images)' is not accepted; give two PNG files a.png,b.png")
        }
        guard sampling.isDeterministic else {
            throw ValidationError(
                "--sampler \(sampling.sampler)\(sampling.eta > 0 ? " with --eta \(sampling.eta)" : "") draws noise of its own, "
                    + "so the frames would not lie on one path; use ddim (η = 0), dpm++, euler or heun")
        }
        if images != nil, sampling.sampler != "ddim" {
            guard sampling.samplerChoice == nil else {
                throw ValidationError("--images inverts the images with DDIM: use --sampler ddim (or leave --sampler out)")
            }
        }
        try Check.within(frames, 2...256, flag: "--frames")
        try Check.outputFile(out, flag: "--out")
    }

    func run() throws {
        threading.apply()
        let loaded = try DenoiserFolder.load(from: URL(fileURLWithPath: model))
        for warning in loaded.warnings { Terminal.printNote("warning: \(warning)") }
        let diffusion = try loaded.scheduler.makeDiffusion()
        let (network, labels) = try conditioning.model(loaded, count: frames, folder: model)
        let strip: Tensor
        if let seeds {
            let ends = seeds.split(separator: ",").map { UInt64($0)! }
            // The first sample of 'ddpm sample --seed S': batch 0's stream, its first draw.
            let noise = ends.map { seed -> Tensor in
                var generator = RandomGenerator(seed: seed).substream(0)
                return Tensor.randn([1] + loaded.exampleShape, generator: &generator)
            }
            let sampler = try sampling.makeSampler(diffusion: diffusion, scheduler: loaded.scheduler)
            strip = try Interpolation.samples(
                model: network, sampler: sampler, from: noise[0], to: noise[1], frames: frames,
                classLabels: labels)
        } else {
            let files = images!.split(separator: ",").map(String.init)
            let ends = try files.map { try ImageInput.image(at: $0, flag: "--images", exampleShape: loaded.exampleShape, resize: false) }
            var ddim = sampling
            ddim.samplerChoice = "ddim"
            guard let sampler = try ddim.makeSampler(diffusion: diffusion, scheduler: loaded.scheduler) as? DDIMSampler else {
                throw CommandError("internal: --sampler ddim did not make a DDIM sampler")
            }
            strip = try Interpolation.samples(
                model: network, sampler: sampler, betweenImages: ends[0], and: ends[1],
                frames: frames, classLabels: labels)
        }
        try ImageGrid.write(strip.clamped(-1, 1), toFile: out, columns: frames)
        print(
            "wrote \(out) (\(frames) frames from \(seeds.map { "seed " + $0.replacingOccurrences(of: ",", with: " to seed ") } ?? images!))"
        )
    }
}
