import Foundation
import Tensors

/// The variational bound on −log p(x0) in bits per dimension, with its parts
/// (as improved-diffusion's `calc_bpd_loop`): prior L_T, the sum of the KL
/// terms L_{t−1}, and the decoder L_0, each per example.
///
/// When `isEstimate` is true the KL terms were not all evaluated: indices
/// 1..<T were cut into blocks of `stride` consecutive timesteps and each
/// example drew one timestep per block uniformly, weighted by the block size
/// (stratified sampling): an unbiased estimate of the sum, not the bound itself.
public struct BitsPerDimension {
    /// L_T = KL(q(x_T | x0) ‖ N(0, I)) per example, bits/dim.
    public let prior: [Double]
    /// Σ_{t=2..T} L_{t−1} per example, bits/dim (an estimate when `isEstimate`).
    public let klTerms: [Double]
    /// L_0 = −log p_θ(x0 | x1) per example, bits/dim.
    public let decoder: [Double]
    /// The 0-based timesteps (≥ 1) of the KL terms, from T − 1 down; for an
    /// estimate, the first timestep of each block.
    public let termTimesteps: [Int]
    /// The batch-mean KL term at each of `termTimesteps` (bits/dim); for an
    /// estimate, the block's mean term per timestep.
    public let meanTerms: [Double]
    /// Whether the KL terms were sampled one per block of timesteps (`stride` > 1) rather than all evaluated.
    public let isEstimate: Bool

    /// prior + KL terms + decoder, per example.
    public var total: [Double] { (0..<prior.count).map { prior[$0] + klTerms[$0] + decoder[$0] } }
    /// The batch mean of `total`.
    public var mean: Double { total.reduce(0, +) / Double(Swift.max(total.count, 1)) }
}

extension GaussianDiffusion {
    /// The bound for a batch `x0` (values in [−1, 1], first snapped onto the
    /// 256-value grid). Each term draws its own x_t ~ q(x_t|x0) from `generator`.
    /// `stride` > 1 evaluates one KL term per block of `stride` timesteps (an estimate).
    ///
    /// - Complexity: about T/`stride` + 1 batched evaluations of `model`.
    /// - Parameters:
    ///   - model: the network to score.
    ///   - data: the images `[B, …]` in [−1, 1].
    ///   - classLabels: one label per example for a class-conditional network.
    ///   - stride: 1 for the exact bound, k > 1 for an unbiased estimate k times faster.
    ///   - generator: the source of the noise (and of the timesteps within each block).
    /// - Throws: ``DiffusionError`` for a stride below 1, an empty batch or a wrong label count.
    public func bitsPerDimension(
        model: any DenoisingModel, x0 data: Tensor, classLabels: [Int]? = nil, stride: Int = 1,
        generator: inout RandomGenerator
    ) throws -> BitsPerDimension {
        guard stride >= 1 else {
            throw DiffusionError.invalidParameter(
                name: "stride", value: "\(stride)", accepted: "an integer ≥ 1 (1 = every term, the exact bound)")
        }
        guard data.rank >= 2, data.shape[0] > 0 else {
            throw DiffusionError.shapeMismatch(
                operation: "bitsPerDimension", expected: "a non-empty batch [B, C, …] or [B, D]", got: data.shape)
        }
        let batch = data.shape[0]
        if let labels = classLabels, labels.count != batch {
            throw DiffusionError.invalidParameter(
                name: "classLabels", value: "\(labels.count) labels", accepted: "one label per example (\(batch))")
        }
        let x0 = Tensor(
            shape: data.shape, scalars: data.scalars.map { Swift.min(Swift.max(($0 + 1) * 127.5, 0), 255).rounded() / 127.5 - 1 })
        return try GradMode.withoutGradient {
            func terms(at timesteps: [Int]) throws -> [Double] {
                let (xt, _) = try schedule.marginalSample(x0: x0, timesteps: timesteps, generator: &generator)
                // Each term on its own: a self-conditioned model sees no estimate (zeros).
                let output = try model.forSamplingRun()(xt, timesteps: timesteps, classLabels: classLabels)
                return try variationalBoundTerm(modelOutput: output, x0: x0, xt: xt, timesteps: timesteps).scalars.map(Double.init)
            }
            func term(at t: Int) throws -> [Double] { try terms(at: [Int](repeating: t, count: batch)) }
            let T = schedule.count
            var kl = [Double](repeating: 0, count: batch)
            var starts: [Int] = []
            var means: [Double] = []
            for end in Swift.stride(from: T, to: 1, by: -stride) {
                let block = Swift.max(1, end - stride)..<end
                let timesteps = (0..<batch).map { _ in block.lowerBound + generator.nextInt(below: block.count) }
                let values = block.count == 1 ? try term(at: block.lowerBound) : try terms(at: timesteps)
                for b in 0..<batch { kl[b] += values[b] * Double(block.count) }
                starts.append(block.lowerBound)
                means.append(values.reduce(0, +) / Double(batch))
            }
            let isEstimate = stride > 1 && T > 2
            let decoder = try term(at: 0)
            let prior = try priorTerm(x0: x0).scalars.map(Double.init)
            return BitsPerDimension(
                prior: prior, klTerms: kl, decoder: decoder, termTimesteps: starts,
                meanTerms: means, isEstimate: isEstimate)
        }
    }
}
