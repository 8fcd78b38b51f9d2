/// Improved precision and recall of a generative model (Kynkäänniemi et al.
/// 2019): each set's manifold is the union of balls around its vectors, each
/// ball reaching the vector's k-th nearest neighbour in its own set (k = 3).
/// Precision is the share of generated vectors inside the real manifold
/// (how many samples look real); recall the share of real vectors inside the
/// generated manifold (how much of the data the samples cover). Euclidean
/// distances in the features, computed in Double.
public enum PrecisionRecall {
    /// Precision, recall and the k they were computed with.
    public struct Result: Equatable, Sendable {
        /// The share of generated vectors inside the real manifold.
        public let precision: Double
        /// The share of real vectors inside the generated manifold.
        public let recall: Double
        /// The neighbour whose distance sets each ball's radius.
        public let k: Int
    }

    /// `real` and `generated` are row-major feature sets of `dimension` values per vector.
    ///
    /// - Complexity: O((R + G)²·d) for R real and G generated vectors (every pairwise distance).
    /// - Throws: ``MetricsError`` saying what input was wrong and what is accepted.
    public static func between(real: [Float], generated: [Float], dimension d: Int, k: Int = 3) throws -> Result {
        guard d >= 1, real.count % d == 0, generated.count % d == 0 else {
            throw MetricsError("feature sets of \(real.count) and \(generated.count) values are not whole \(d)-dimensional vectors")
        }
        let realCount = real.count / d, generatedCount = generated.count / d
        guard k >= 1, realCount > k, generatedCount > k else {
            throw MetricsError(
                "precision and recall with k = \(k) need more than \(k) vectors in each set; got \(realCount) and \(generatedCount)")
        }
        // Widened to Double once, not in every distance.
        let real = real.map(Double.init), generated = generated.map(Double.init)
        let realRadii = radii(real, count: realCount, dimension: d, k: k)
        let generatedRadii = radii(generated, count: generatedCount, dimension: d, k: k)
        let precision = share(of: generated, count: generatedCount, inside: real, count: realCount, radii: realRadii, dimension: d)
        let recall = share(of: real, count: realCount, inside: generated, count: generatedCount, radii: generatedRadii, dimension: d)
        return Result(precision: precision, recall: recall, k: k)
    }

    /// Squared distance between row `i` of `a` and row `j` of `b`.
    private static func squaredDistance(_ a: [Double], _ i: Int, _ b: [Double], _ j: Int, _ d: Int) -> Double {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let (x, y) = (a.baseAddress! + i * d, b.baseAddress! + j * d)
                var total = 0.0
                for c in 0..<d {
                    let difference = x[c] - y[c]
                    total += difference * difference
                }
                return total
            }
        }
    }

    /// Each vector's squared distance to its k-th nearest other vector of the set.
    private static func radii(_ x: [Double], count n: Int, dimension d: Int, k: Int) -> [Double] {
        (0..<n).map { i in
            var nearest: [Double] = []  // the k smallest so far, ascending
            for j in 0..<n where j != i {
                let distance = squaredDistance(x, i, x, j, d)
                if nearest.count < k || distance < nearest[k - 1] {
                    let at = nearest.firstIndex { $0 > distance } ?? nearest.count
                    nearest.insert(distance, at: at)
                    if nearest.count > k { nearest.removeLast() }
                }
            }
            return nearest[k - 1]
        }
    }

    /// The share of the rows of `queries` within the ball of some row of `centres`.
    private static func share(
        of queries: [Double], count: Int, inside centres: [Double], count centreCount: Int,
        radii: [Double], dimension d: Int
    ) -> Double {
        var inside = 0
        for i in 0..<count where (0..<centreCount).contains(where: { squaredDistance(queries, i, centres, $0, d) <= radii[$0] }) {
            inside += 1
        }
        return Double(inside) / Double(count)
    }
}
