/// The mean μ and covariance Σ of a set of feature vectors, in Double — what
/// the Fréchet distance compares (pytorch-fid's `mu`, `sigma`: `np.mean(axis=0)`
/// and `np.cov(rowvar=False)`, the unbiased N − 1 form).
public struct FeatureStatistics: Equatable, Sendable {
    /// μ, d values.
    public let mean: [Double]
    /// d × d, row-major.
    public let covariance: [Double]
    /// How many vectors the statistics came from (0 if unknown: a statistics file that does not say).
    public let count: Int

    /// d, the length of a feature vector.
    public var dimension: Int { mean.count }

    /// Statistics from a mean of d values and a d × d row-major covariance.
    ///
    /// - Throws: ``MetricsError`` when the sizes do not fit.
    public init(mean: [Double], covariance: [Double], count: Int) throws {
        guard !mean.isEmpty, covariance.count == mean.count * mean.count else {
            throw MetricsError(
                "statistics need a mean of d values and a d × d covariance; got \(mean.count) and \(covariance.count) values")
        }
        self.mean = mean
        self.covariance = covariance
        self.count = count
    }

    /// The statistics of `count` row-major feature vectors of `dimension` values each (count ≥ 2).
    ///
    /// - Throws: ``MetricsError`` saying what input was wrong and what is accepted.
    public init(features: [Float], count: Int, dimension: Int) throws {
        guard dimension >= 1, count >= 2, features.count == count * dimension else {
            throw MetricsError(
                "statistics need at least 2 feature vectors of \(dimension) values; got \(features.count) values for \(count) vectors")
        }
        var mean = [Double](repeating: 0, count: dimension)
        for n in 0..<count { for j in 0..<dimension { mean[j] += Double(features[n * dimension + j]) } }
        for j in 0..<dimension { mean[j] /= Double(count) }
        var covariance = [Double](repeating: 0, count: dimension * dimension)
        var centred = [Double](repeating: 0, count: dimension)
        for n in 0..<count {
            for j in 0..<dimension { centred[j] = Double(features[n * dimension + j]) - mean[j] }
            for i in 0..<dimension {
                let a = centred[i]
                if a == 0 { continue }
                for j in i..<dimension { covariance[i * dimension + j] += a * centred[j] }
            }
        }
        for i in 0..<dimension {
            for j in i..<dimension {
                let value = covariance[i * dimension + j] / Double(count - 1)
                covariance[i * dimension + j] = value
                covariance[j * dimension + i] = value
            }
        }
        try self.init(mean: mean, covariance: covariance, count: count)
    }
}
