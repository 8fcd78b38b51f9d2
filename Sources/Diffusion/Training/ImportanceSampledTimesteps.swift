import Foundation
import Tensors

/// Importance sampling of the training timesteps by the second moment of their
/// recent losses (Nichol & Dhariwal 2021, §3.3; improved-diffusion's
/// `LossSecondMomentResampler`): once every timestep has `historyLength` losses,
/// t is drawn with p_t ∝ √E[L_t²], mixed with the uniform distribution
/// (weight `uniformMix`), and each example's loss is weighted by 1/(T·p_t) so the
/// estimate of the objective stays unbiased. Until then, uniform with weight 1.
/// Its state (the loss history) is part of the checkpoint, for bit-exact resume.
public struct ImportanceSampledTimesteps: Codable, Equatable, Sendable {
    /// How many recent losses are kept per timestep.
    public static let historyLength = 10
    /// The share of uniform probability mixed in, so that no timestep is starved.
    public static let uniformMix = 0.001

    /// The last `historyLength` losses of each timestep, oldest first.
    public private(set) var history: [[Double]]

    /// A sampler over `0..<timesteps` with no history (uniform until warmed up).
    public init(timesteps: Int) {
        history = [[Double]](repeating: [], count: timesteps)
    }

    /// Every timestep has a full history.
    public var isWarmedUp: Bool { history.allSatisfy { $0.count == Self.historyLength } }

    /// The sampling probabilities p_t.
    public var probabilities: [Double] {
        let count = Double(history.count)
        guard isWarmedUp else { return [Double](repeating: 1 / count, count: history.count) }
        var weights = history.map { losses in (losses.reduce(0) { $0 + $1 * $1 } / Double(losses.count)).squareRoot() }
        let total = weights.reduce(0, +)
        guard total > 0, total.isFinite else { return [Double](repeating: 1 / count, count: history.count) }
        weights = weights.map { $0 / total * (1 - Self.uniformMix) + Self.uniformMix / count }
        return weights
    }

    /// `batch` timesteps and their loss weights 1/(T·p_t), one uniform draw each from `generator`.
    public func draw(batch: Int, generator: inout RandomGenerator) -> (timesteps: [Int], weights: [Float]) {
        let p = probabilities
        var cumulative = [Double](repeating: 0, count: p.count)
        var running = 0.0
        for (t, value) in p.enumerated() {
            running += value
            cumulative[t] = running
        }
        let count = Double(p.count)
        var timesteps: [Int] = [], weights: [Float] = []
        for _ in 0..<batch {
            let u = Double(generator.nextUniform()) * running
            var low = 0, high = p.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > u { high = middle } else { low = middle + 1 }
            }
            timesteps.append(low)
            weights.append(Float(1 / (count * p[low])))
        }
        return (timesteps, weights)
    }

    /// Records each example's (unweighted) loss at its timestep.
    public mutating func record(timesteps: [Int], losses: [Float]) {
        for (t, loss) in zip(timesteps, losses) where history.indices.contains(t) {
            if history[t].count == Self.historyLength { history[t].removeFirst() }
            history[t].append(Double(loss))
        }
    }
}
