import Tensors

/// The kernel distance of Bińkowski et al. 2018 (KID when the features are
/// Inception-v3's): the unbiased estimate of MMD² with the polynomial kernel
/// k(x, y) = (xᵀy/d + 1)³, averaged over random subsets of equal size, with its
/// standard deviation over the subsets (as torch-fidelity and clean-fid report it).
public enum KernelInceptionDistance {
    /// The estimate and its spread.
    public struct Result: Equatable, Sendable {
        /// The mean of the subset estimates of MMD².
        public let mean: Double
        /// Their standard deviation.
        public let standardDeviation: Double
        /// How many subsets were drawn.
        public let subsets: Int
        /// Vectors per subset.
        public let subsetSize: Int
    }

    /// `a` and `b` are row-major feature sets of `dimension` values per vector.
    /// Subsets of min(countA, countB, maxSubsetSize) vectors, drawn without
    /// replacement from `generator`.
    ///
    /// - Throws: ``MetricsError`` saying what input was wrong and what is accepted.
    public static func between(
        _ a: [Float], _ b: [Float], dimension d: Int, subsets: Int = 100, maxSubsetSize: Int = 1000,
        generator: inout RandomGenerator
    ) throws -> Result {
        guard d >= 1, a.count % d == 0, b.count % d == 0 else {
            throw MetricsError("feature sets of \(a.count) and \(b.count) values are not whole \(d)-dimensional vectors")
        }
        let countA = a.count / d, countB = b.count / d
        let m = Swift.min(countA, countB, maxSubsetSize)
        guard m >= 2 else { throw MetricsError("KID needs at least 2 vectors in each set; got \(countA) and \(countB)") }
        guard subsets >= 1 else { throw MetricsError("KID needs at least one subset; got \(subsets)") }
        var values: [Double] = []
        for _ in 0..<subsets {
            let x = choose(m, of: countB, generator: &generator), y = choose(m, of: countA, generator: &generator)
            values.append(unbiasedMMD(b, x, a, y, dimension: d))
        }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(Swift.max(values.count - 1, 1))
        return Result(mean: mean, standardDeviation: values.count > 1 ? variance.squareRoot() : 0, subsets: subsets, subsetSize: m)
    }

    /// The unbiased MMD² between the rows `xs` of `x` and the rows `ys` of `y` (equal counts m):
    /// [Σ_{i≠j} k(x_i,x_j) + Σ_{i≠j} k(y_i,y_j)]/(m(m−1)) − 2 Σ_{i,j} k(x_i,y_j)/m².
    static func unbiasedMMD(_ x: [Float], _ xs: [Int], _ y: [Float], _ ys: [Int], dimension d: Int) -> Double {
        let m = xs.count
        func kernel(_ p: [Float], _ i: Int, _ q: [Float], _ j: Int) -> Double {
            var dot = 0.0
            for k in 0..<d { dot += Double(p[i * d + k]) * Double(q[j * d + k]) }
            let base = dot / Double(d) + 1
            return base * base * base
        }
        var within = 0.0, across = 0.0
        for i in 0..<m {
            for j in 0..<m {
                if i != j { within += kernel(x, xs[i], x, xs[j]) + kernel(y, ys[i], y, ys[j]) }
                across += kernel(x, xs[i], y, ys[j])
            }
        }
        return within / Double(m * (m - 1)) - 2 * across / Double(m * m)
    }

    /// `count` distinct indices of 0..<total (a partial Fisher–Yates shuffle).
    static func choose(_ count: Int, of total: Int, generator: inout RandomGenerator) -> [Int] {
        var indices = Array(0..<total)
        for i in 0..<count {
            let j = i + generator.nextInt(below: total - i)
            indices.swapAt(i, j)
        }
        return Array(indices.prefix(count))
    }
}
