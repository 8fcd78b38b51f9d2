import Datasets

extension FeatureStatistics {
    /// Reads a statistics file as pytorch-fid writes it (`np.savez_compressed`
    /// with `mu`, d values, and `sigma`, d × d; float64, float32 accepted). The
    /// count of vectors is read from an `n` entry when the file has one (this
    /// project writes it; pytorch-fid ignores it), else it is 0: unknown.
    ///
    /// - Throws: `DatasetError` (from the Datasets module) for a file that is not a readable `.npz`;
    ///   ``MetricsError`` for one without `mu` and `sigma` of matching shapes and finite values.
    public init(npzFile path: String) throws {
        let arrays = try NPZ.read(contentsOfFile: path)
        guard let muBytes = arrays["mu"], let sigmaBytes = arrays["sigma"] else {
            throw MetricsError(
                "\(path): a statistics file needs the arrays mu and sigma (as pytorch-fid's --save-stats writes); "
                    + "it has \(arrays.keys.sorted().joined(separator: ", "))")
        }
        let mu = try NPY.decodeDoubles(muBytes, source: "\(path): mu")
        let sigma = try NPY.decodeDoubles(sigmaBytes, source: "\(path): sigma")
        let d = mu.values.count
        guard mu.shape == [d], d >= 1, sigma.shape == [d, d] else {
            throw MetricsError("\(path): mu has shape \(mu.shape) and sigma \(sigma.shape); statistics need [d] and [d, d]")
        }
        guard mu.values.allSatisfy(\.isFinite), sigma.values.allSatisfy(\.isFinite) else {
            throw MetricsError("\(path): mu or sigma holds a value that is not finite")
        }
        var count = 0
        if let nBytes = arrays["n"], let n = try? NPY.decodeDoubles(nBytes).values, n.count == 1, n[0] >= 0, n[0] < 1e15 {
            count = Int(n[0])
        }
        try self.init(mean: mu.values, covariance: sigma.values, count: count)
    }

    /// Writes the statistics as pytorch-fid does (`mu`, `sigma` in float64,
    /// deflated), with the count as `n`, atomically.
    ///
    /// - Throws: `DatasetError` (from the Datasets module) when the file cannot be written.
    public func writeNPZ(toFile path: String) throws {
        try NPZ.write(
            [
                ("mu", try NPY.encode(shape: [dimension], doubles: mean)),
                ("sigma", try NPY.encode(shape: [dimension, dimension], doubles: covariance)),
                ("n", try NPY.encode(shape: [], doubles: [Double(count)])),
            ], toFile: path)
    }
}
