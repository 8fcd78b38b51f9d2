import Diffusion
import Tensors

/// Inpainting by RePaint (Lugmayr et al. 2022) with an unconditionally trained
/// model: at every reverse step the region to keep is replaced by the input
/// noised to the same level by q(x_{t−1} | x0), and the region to fill takes the
/// model's step; every `jumpLength` steps the sample is sent back up `jumpLength`
/// steps by the forward process (`resampleCount − 1` times), so the filled region
/// harmonises with the kept one. The step schedule is diffusers' `RePaintScheduler`
/// (timesteps g·⌊T/N⌋); the reverse step is DDIM's with η (1 = ancestral, as the
/// paper; diffusers' pipeline defaults to 0), and the way back up is the exact
/// forward jump x_s ~ q(x_s | x_r) = N(√(ᾱ_s/ᾱ_r) x_r, (1 − ᾱ_s/ᾱ_r) I).
public struct Inpainting {
    /// The process of the unconditionally trained model.
    public let diffusion: GaussianDiffusion
    /// N: the grid of timesteps g·⌊T/N⌋, g = 0..<N.
    public let steps: Int
    /// Steps between the points where the sample jumps back up (RePaint's j).
    public let jumpLength: Int
    /// How often each jump point is passed going down (1 = no resampling).
    public let resampleCount: Int
    /// DDIM's η of the reverse steps (1: ancestral, as the paper).
    public let eta: Double

    /// RePaint with `steps` reverse steps, jumps of `jumpLength`, each passed `resampleCount` times.
    ///
    /// - Throws: ``PipelineError`` for steps outside 1…T, a jump length or resample count below 1, or a negative η.
    public init(
        diffusion: GaussianDiffusion, steps: Int = 100, jumpLength: Int = 10, resampleCount: Int = 10,
        eta: Double = 1
    ) throws {
        let T = diffusion.schedule.count
        guard steps >= 1, steps <= T else {
            throw PipelineError(problem: "steps \(steps) is not accepted; give 1...\(T) (the model's training timesteps)")
        }
        guard jumpLength >= 1 else { throw PipelineError(problem: "jump length \(jumpLength) is not accepted; give an integer ≥ 1") }
        guard resampleCount >= 1 else {
            throw PipelineError(problem: "resample count \(resampleCount) is not accepted; give an integer ≥ 1 (1 = no resampling)")
        }
        guard eta.isFinite, eta >= 0 else { throw PipelineError(problem: "eta \(eta) is not accepted; give a finite value ≥ 0") }
        self.diffusion = diffusion
        self.steps = steps
        self.jumpLength = jumpLength
        self.resampleCount = resampleCount
        self.eta = eta
    }

    /// diffusers' `RePaintScheduler.set_timesteps` in grid units: an entry below
    /// the previous one is a reverse step evaluated at that grid point, an entry
    /// above it a jump one grid point back up.
    public static func schedule(steps: Int, jumpLength: Int, resampleCount: Int) -> [Int] {
        var jumps: [Int: Int] = [:]
        for j in stride(from: 0, to: steps - jumpLength, by: jumpLength) { jumps[j] = resampleCount - 1 }
        var result: [Int] = []
        var t = steps
        while t >= 1 {
            t -= 1
            result.append(t)
            if let remaining = jumps[t], remaining > 0 {
                jumps[t] = remaining - 1
                for _ in 0..<jumpLength {
                    t += 1
                    result.append(t)
                }
            }
        }
        return result
    }

    /// How many times the model is evaluated per image.
    public var modelEvaluations: Int {
        let list = Self.schedule(steps: steps, jumpLength: jumpLength, resampleCount: resampleCount)
        return zip([list[0] + 1] + list, list).filter { $0.1 < $0.0 }.count
    }

    /// Fills the region of `images` (a batch in [−1, 1]) where `mask` is 1 and keeps
    /// the rest exactly. `mask` is `[H, W]`, `[1, 1, H, W]` or `[B, 1, H, W]` of 0s and 1s.
    ///
    /// - Throws: ``PipelineError`` for a mask that does not fit the images; `DiffusionError` for labels that do
    ///   not fit the batch; what the model or the callback throws.
    public func callAsFunction(
        model: any DenoisingModel, images: Tensor, mask: Tensor, classLabels: [Int]? = nil,
        generator: inout RandomGenerator, callback: SamplingCallback? = nil
    ) throws -> Tensor {
        let model = model.forSamplingRun()
        let fill = try Self.expand(mask: mask, to: images.shape)
        let keep = 1 - fill
        let T = diffusion.schedule.count, ratio = T / steps
        let alphaBar = diffusion.schedule.double.alphaBar
        /// ᾱ at grid state g (g = −1 is the clean image).
        func level(_ g: Int) -> Double { g < 0 ? 1 : alphaBar[g * ratio] }
        let reverse = try DDIMSampler(diffusion: diffusion, timesteps: [(steps - 1) * ratio], eta: eta)
        let list = Self.schedule(steps: steps, jumpLength: jumpLength, resampleCount: resampleCount)
        let evaluations = modelEvaluations
        let batch = images.shape[0]
        return try GradMode.withoutGradient {
            var x = Tensor.randn(images.shape, generator: &generator)
            var last = list[0] + 1, done = 0
            for g in list {
                if g < last {
                    let t = g * ratio
                    let output = try model(x, timesteps: [Int](repeating: t, count: batch), classLabels: classLabels)
                    let noise = eta > 0 ? Tensor.randn(x.shape, generator: &generator) : nil
                    let (unknown, x0) = try reverse.update(
                        modelOutput: output, from: t, to: g > 0 ? t - ratio : nil,
                        sample: x, noise: noise)
                    let a = level(g - 1)
                    let known =
                        g > 0
                        ? images * Float(a.squareRoot()) + Tensor.randn(x.shape, generator: &generator) * Float((1 - a).squareRoot())
                        : images
                    x = known * keep + unknown * fill
                    try callback?(SamplingStep(step: done, totalSteps: evaluations, timestep: t, sample: x, predictedX0: x0))
                    done += 1
                } else {
                    let ratioUp = level(g - 1) / level(g - 2)
                    x = x * Float(ratioUp.squareRoot()) + Tensor.randn(x.shape, generator: &generator) * Float((1 - ratioUp).squareRoot())
                }
                last = g
            }
            return x
        }
    }

    /// The mask broadcast to the batch's shape, checked: 0s and 1s, something to fill, something to keep.
    static func expand(mask: Tensor, to shape: [Int]) throws -> Tensor {
        guard shape.count == 4 else {
            throw PipelineError(problem: "inpainting takes a batch of images [B, C, H, W], got \(shape)")
        }
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let masks: Int
        switch mask.shape {
        case [height, width], [1, 1, height, width]: masks = 1
        case [batch, 1, height, width]: masks = batch
        default:
            throw PipelineError(
                problem: "the mask is \(mask.shape.map(String.init).joined(separator: "×")) but the image is "
                    + "\(height)×\(width); give a mask of the image's size")
        }
        let values = mask.scalars
        if let bad = values.first(where: { $0 != 0 && $0 != 1 }) {
            throw PipelineError(problem: "the mask has the value \(bad); it must be binary (1 = fill, 0 = keep)")
        }
        if !values.contains(1) { throw PipelineError(problem: "the mask is empty: it marks nothing to fill") }
        if !values.contains(0) {
            throw PipelineError(problem: "the mask covers the whole image: nothing is kept (draw new samples instead)")
        }
        let plane = height * width
        var result = [Float](repeating: 0, count: batch * channels * plane)
        for b in 0..<batch {
            let source = (masks == 1 ? 0 : b) * plane
            for c in 0..<channels {
                let target = (b * channels + c) * plane
                for p in 0..<plane { result[target + p] = values[source + p] }
            }
        }
        return Tensor(shape: shape, scalars: result)
    }
}
