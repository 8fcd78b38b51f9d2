import Foundation
import Tensors

/// Two-dimensional toy distributions for quick diffusion experiments, each
/// sampled from a seeded `RandomGenerator` and scaled to mean ≈ 0, std ≈ 1
/// per coordinate (checked by the tests).
///
/// - `twoMoons`: two interleaved half circles (scikit-learn's `make_moons`), noise σ = 0.1.
/// - `eightGaussians`: eight Gaussians (σ = 0.1) on a circle of radius √2.
/// - `swissRoll`: the spiral (t cos t, t sin t), t = 1.5π(1 + 2u), noise σ = 0.5, then scaled.
/// - `checkerboard`: uniform on the dark squares of a 4 × 4 board.
public enum ToyDistribution: String, CaseIterable, Sendable {
    /// Two interleaved half circles.
    case twoMoons = "two-moons"
    /// Eight Gaussians on a circle.
    case eightGaussians = "eight-gaussians"
    /// A noisy spiral.
    case swissRoll = "swiss-roll"
    /// Uniform on the dark squares of a 4 × 4 board.
    case checkerboard

    /// Looks a distribution up by a forgiving name: case, "-", "_" and spaces are
    /// ignored, and "moons", "8gaussians", "gaussians", "swissroll", "checkers" are accepted.
    public init?(name: String) {
        let key = name.lowercased().filter { $0.isLetter || $0.isNumber }
        switch key {
        case "twomoons", "moons": self = .twoMoons
        case "eightgaussians", "8gaussians", "gaussians": self = .eightGaussians
        case "swissroll", "roll": self = .swissRoll
        case "checkerboard", "checkers", "checker": self = .checkerboard
        default: return nil
        }
    }

    /// The most points one call will draw.
    public static let maximumCount = 1 << 26

    /// `count` points as a `[count, 2]` tensor, drawn from `generator`.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public func sample(_ count: Int, generator: inout RandomGenerator) throws -> Tensor {
        guard (0...Self.maximumCount).contains(count) else {
            throw DatasetError(file: "toy:\(rawValue)", problem: "sample count \(count) is outside 0…\(Self.maximumCount)")
        }
        var values = [Float](repeating: 0, count: 2 * count)
        for i in 0..<count {
            let (x, y) = point(&generator)
            values[2 * i] = x
            values[2 * i + 1] = y
        }
        return Tensor(shape: [count, 2], scalars: values)
    }

    /// `count` points drawn with a fresh generator seeded by `seed`.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public func sample(_ count: Int, seed: UInt64) throws -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return try sample(count, generator: &generator)
    }

    private func point(_ g: inout RandomGenerator) -> (Float, Float) {
        switch self {
        case .twoMoons:
            let t = Float.pi * g.nextUniform()
            let upper = g.nextUInt32() & 1 == 0
            let x = (upper ? cos(t) : 1 - cos(t)) + 0.1 * g.nextNormal()
            let y = (upper ? sin(t) : 0.5 - sin(t)) + 0.1 * g.nextNormal()
            // Mean (0.5, 0.25); std (√0.76, ≈0.504) including the noise.
            return ((x - 0.5) / 0.872, (y - 0.25) / 0.504)
        case .eightGaussians:
            let angle = Float(g.nextInt(below: 8)) * Float.pi / 4
            let radius = Float(2).squareRoot()
            return (radius * cos(angle) + 0.1 * g.nextNormal(), radius * sin(angle) + 0.1 * g.nextNormal())
        case .swissRoll:
            let t = 1.5 * Float.pi * (1 + 2 * g.nextUniform())
            let x = t * cos(t) + 0.5 * g.nextNormal()
            let y = t * sin(t) + 0.5 * g.nextNormal()
            // E[t cos t] = 2, E[t sin t] = 2/(3π); one scale for both axes keeps the spiral round.
            return ((x - 2) / 6.8, (y - 2 / (3 * Float.pi)) / 6.8)
        case .checkerboard:
            let x = 4 * g.nextUniform() - 2
            let row = g.nextUniform() - 2 * Float(g.nextInt(below: 2))
            let y = row + Float(Int(x.rounded(.down)) & 1)
            // Both coordinates are uniform on [-2, 2): std 2/√3.
            return (x / 1.1547, y / 1.1547)
        }
    }
}
