import Diffusion
import Foundation
import Tensors

/// Interpolation between two samples through their starting noise: spherical
/// linear interpolation (slerp, Shoemake 1985) of the two x_T, which keeps the
/// norm a Gaussian draw has (a straight line would pass through low-norm,
/// washed-out noise), then a deterministic sampler on every frame. The ends are
/// exactly the two starting states, so the first and last frames are the two
/// samples drawn separately. Real images enter through DDIM inversion.
public enum Interpolation {
    /// slerp(a, b; α) = sin((1−α)θ)/sin θ · a + sin(αθ)/sin θ · b with θ the angle
    /// between a and b (flattened); a straight line where θ is nearly 0.
    ///
    /// - Throws: ``PipelineError`` for tensors of different shapes.
    public static func slerp(_ a: Tensor, _ b: Tensor, _ alpha: Double) throws -> Tensor {
        guard a.shape == b.shape else {
            throw PipelineError(problem: "cannot interpolate between shapes \(a.shape) and \(b.shape)")
        }
        let x = a.scalars, y = b.scalars
        var dot = 0.0, normA = 0.0, normB = 0.0
        for i in x.indices {
            dot += Double(x[i]) * Double(y[i])
            normA += Double(x[i]) * Double(x[i])
            normB += Double(y[i]) * Double(y[i])
        }
        let cosine = normA > 0 && normB > 0 ? Swift.min(Swift.max(dot / (normA * normB).squareRoot(), -1), 1) : 1
        let theta = Foundation.acos(cosine)
        let (wa, wb): (Double, Double)
        if Foundation.sin(theta) < 1e-6 {
            (wa, wb) = (1 - alpha, alpha)
        } else {
            (wa, wb) = (Foundation.sin((1 - alpha) * theta) / Foundation.sin(theta), Foundation.sin(alpha * theta) / Foundation.sin(theta))
        }
        if alpha == 0 { return a }
        if alpha == 1 { return b }
        return a * Float(wa) + b * Float(wb)
    }

    /// `frames` states from `a` to `b` (both ends included), stacked on a new batch
    /// axis: `a` and `b` are single examples `[1, …]`, the result is `[frames, …]`.
    ///
    /// - Throws: ``PipelineError`` for fewer than two frames, or ends that are not one example `[1, …]` each
    ///   of the same shape.
    public static func frames(from a: Tensor, to b: Tensor, count frames: Int) throws -> Tensor {
        guard frames >= 2 else { throw PipelineError(problem: "frames \(frames) is not accepted; give at least 2 (the two ends)") }
        guard a.shape.first == 1 else {
            throw PipelineError(problem: "interpolation takes one example at each end ([1, …]), got \(a.shape)")
        }
        let parts = try (0..<frames).map { try slerp(a, b, Double($0) / Double(frames - 1)) }
        return Tensor.concat(parts, axis: 0)
    }

    /// Samples along the path between two starting noises z_a, z_b (`[1, …]`) with
    /// `sampler` (which must be deterministic for the ends to equal separate draws).
    public static func samples(
        model: any DenoisingModel, sampler: any Sampler, from a: Tensor, to b: Tensor, frames: Int,
        classLabels: [Int]? = nil, callback: SamplingCallback? = nil
    ) throws -> Tensor {
        let noise = try Self.frames(from: a, to: b, count: frames)
        var unused = RandomGenerator(seed: 0)
        return try sampler.sample(model: model, from: noise, classLabels: classLabels, generator: &unused, callback: callback)
    }

    /// Samples along the path between two real images (`[1, C, H, W]` in [−1, 1]),
    /// each first inverted to its DDIM starting state.
    public static func samples(
        model: any DenoisingModel, sampler: DDIMSampler, betweenImages a: Tensor, and b: Tensor,
        frames: Int, classLabels: [Int]? = nil
    ) throws -> Tensor {
        guard sampler.eta == 0 else {
            throw PipelineError(problem: "interpolating real images needs deterministic DDIM (η = 0), got η = \(sampler.eta)")
        }
        let ends = try sampler.invert(
            model: model, images: Tensor.concat([a, b], axis: 0),
            classLabels: classLabels.map { [$0[0], $0[$0.count - 1]] })
        let states = try Self.frames(from: ends.slice(axis: 0, 0..<1), to: ends.slice(axis: 0, 1..<2), count: frames)
        var unused = RandomGenerator(seed: 0)
        return try sampler.sample(
            model: model, state: states, fromStep: 0, classLabels: classLabels,
            generator: &unused, callback: nil)
    }
}
