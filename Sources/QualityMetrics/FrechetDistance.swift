/// The Fréchet distance between two Gaussians fitted to feature sets (Heusel
/// et al. 2017; FID when the features are Inception-v3's):
/// d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁^½ Σ₂ Σ₁^½).
/// tr √(Σ₁ Σ₂) — what pytorch-fid takes with `scipy.linalg.sqrtm` — equals
/// tr √(Σ₁^½ Σ₂ Σ₁^½), whose matrix is symmetric positive semi-definite, so two
/// symmetric eigendecompositions give it exactly, singular covariances included
/// (eigenvalues that rounding makes slightly negative are taken as 0).
public enum FrechetDistance {
    /// The squared Fréchet distance d² between the two Gaussians. O(d³) for d-dimensional features.
    ///
    /// - Throws: ``MetricsError`` when the two have different dimensions.
    public static func between(_ a: FeatureStatistics, _ b: FeatureStatistics) throws -> Double {
        guard a.dimension == b.dimension else {
            throw MetricsError(
                "the two statistics have \(a.dimension) and \(b.dimension) dimensions; they come from different feature networks")
        }
        let n = a.dimension
        var meanTerm = 0.0
        for j in 0..<n { meanTerm += (a.mean[j] - b.mean[j]) * (a.mean[j] - b.mean[j]) }
        let traces = (0..<n).reduce(0.0) { $0 + a.covariance[$1 * n + $1] + b.covariance[$1 * n + $1] }
        let root = try squareRoot(a.covariance, n)
        let product = multiply(multiply(root, b.covariance, n), root, n)
        var symmetric = product
        for i in 0..<n { for j in 0..<n { symmetric[i * n + j] = 0.5 * (product[i * n + j] + product[j * n + i]) } }
        let eigen = try SymmetricEigendecomposition(symmetric, dimension: n)
        let traceRoot = eigen.eigenvalues.reduce(0.0) { $0 + Swift.max($1, 0).squareRoot() }
        return meanTerm + traces - 2 * traceRoot
    }

    /// The symmetric positive semi-definite square root V diag(√λ⁺) Vᵀ.
    static func squareRoot(_ matrix: [Double], _ n: Int) throws -> [Double] {
        let eigen = try SymmetricEigendecomposition(matrix, dimension: n)
        let v = eigen.eigenvectors
        let roots = eigen.eigenvalues.map { Swift.max($0, 0).squareRoot() }
        var result = [Double](repeating: 0, count: n * n)
        // Row i of V scaled by √λ, then its dot products with the rows j ≥ i.
        var scaled = [Double](repeating: 0, count: n)
        v.withUnsafeBufferPointer { v in
            result.withUnsafeMutableBufferPointer { out in
                scaled.withUnsafeMutableBufferPointer { scaled in
                    let (v, out, scaled) = (v.baseAddress!, out.baseAddress!, scaled.baseAddress!)
                    for i in 0..<n {
                        for k in 0..<n { scaled[k] = v[i * n + k] * roots[k] }
                        for j in i..<n {
                            let row = v + j * n
                            var sum = 0.0
                            for k in 0..<n { sum += scaled[k] * row[k] }
                            out[i * n + j] = sum
                            out[j * n + i] = sum
                        }
                    }
                }
            }
        }
        return result
    }

    /// The n × n row-major product.
    static func multiply(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var result = [Double](repeating: 0, count: n * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { out in
                    let (a, b, out) = (a.baseAddress!, b.baseAddress!, out.baseAddress!)
                    for i in 0..<n {
                        let row = out + i * n
                        for k in 0..<n {
                            let x = a[i * n + k]
                            if x == 0 { continue }
                            let source = b + k * n
                            for j in 0..<n { row[j] += x * source[j] }
                        }
                    }
                }
            }
        }
        return result
    }
}
