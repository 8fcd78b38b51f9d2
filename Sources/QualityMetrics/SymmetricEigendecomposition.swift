import Foundation

/// The eigendecomposition A = V Λ Vᵀ of a real symmetric matrix, in Double:
/// Householder reduction to tridiagonal form, then the implicit QL method
/// (the EISPACK routines tred2 and tql2, as in JAMA). Eigenvalues ascending,
/// eigenvectors in the columns of V. O(n³) time, O(n²) memory.
public struct SymmetricEigendecomposition {
    /// λ_1 ≤ … ≤ λ_n.
    public let eigenvalues: [Double]
    /// n × n, row-major; column k is the unit eigenvector of `eigenvalues[k]`.
    public let eigenvectors: [Double]
    /// n, the matrix's size.
    public let dimension: Int

    /// Decomposes the n × n row-major matrix `matrix` (only its symmetric part is meaningful).
    ///
    /// - Throws: ``MetricsError`` saying what input was wrong and what is accepted.
    public init(_ matrix: [Double], dimension n: Int) throws {
        guard n >= 1, matrix.count == n * n else {
            throw MetricsError("an eigendecomposition needs an n × n matrix; got \(matrix.count) values for n = \(n)")
        }
        guard matrix.allSatisfy(\.isFinite) else { throw MetricsError("the matrix to decompose has a non-finite entry") }
        // V is kept transposed (row k holds column k), so that the column
        // updates of tred2 and tql2 run along contiguous memory.
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { v[j * n + i] = matrix[i * n + j] } }
        var d = [Double](repeating: 0, count: n), e = [Double](repeating: 0, count: n)
        try v.withUnsafeMutableBufferPointer { v in
            try d.withUnsafeMutableBufferPointer { d in
                try e.withUnsafeMutableBufferPointer { e in
                    let (v, d, e) = (v.baseAddress!, d.baseAddress!, e.baseAddress!)
                    Self.tridiagonalize(v, d, e, n)
                    try Self.diagonalize(v, d, e, n)
                }
            }
        }
        let order = (0..<n).sorted { d[$0] < d[$1] }
        eigenvalues = order.map { d[$0] }
        var sorted = [Double](repeating: 0, count: n * n)
        for (column, source) in order.enumerated() {
            for row in 0..<n { sorted[row * n + column] = v[source * n + row] }
        }
        eigenvectors = sorted
        dimension = n
    }

    /// tred2: Householder reduction; on return `v` holds the accumulated transformation (transposed),
    /// `d` the diagonal and `e` the sub-diagonal (in e[1...]).
    private static func tridiagonalize(
        _ v: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>,
        _ e: UnsafeMutablePointer<Double>, _ n: Int
    ) {
        for j in 0..<n { d[j] = v[j * n + (n - 1)] }
        for i in stride(from: n - 1, to: 0, by: -1) {
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = v[j * n + (i - 1)]
                    v[j * n + i] = 0
                    v[i * n + j] = 0
                }
            } else {
                for k in 0..<i {
                    d[k] /= scale
                    h += d[k] * d[k]
                }
                var f = d[i - 1]
                var g = h.squareRoot()
                if f > 0 { g = -g }
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0..<i { e[j] = 0 }
                for j in 0..<i {
                    f = d[j]
                    v[i * n + j] = f
                    g = e[j] + v[j * n + j] * f
                    if j + 1 < i {
                        for k in (j + 1)..<i {
                            g += v[j * n + k] * d[k]
                            e[k] += v[j * n + k] * f
                        }
                    }
                    e[j] = g
                }
                f = 0
                for j in 0..<i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                for j in 0..<i {
                    f = d[j]
                    g = e[j]
                    for k in j..<i { v[j * n + k] -= (f * e[k] + g * d[k]) }
                    d[j] = v[j * n + (i - 1)]
                    v[j * n + i] = 0
                }
            }
            d[i] = h
        }
        for i in 0..<(n - 1) {
            v[i * n + (n - 1)] = v[i * n + i]
            v[i * n + i] = 1
            let h = d[i + 1]
            if h != 0 {
                for k in 0...i { d[k] = v[(i + 1) * n + k] / h }
                for j in 0...i {
                    var g = 0.0
                    for k in 0...i { g += v[(i + 1) * n + k] * v[j * n + k] }
                    for k in 0...i { v[j * n + k] -= g * d[k] }
                }
            }
            for k in 0...i { v[(i + 1) * n + k] = 0 }
        }
        for j in 0..<n {
            d[j] = v[j * n + (n - 1)]
            v[j * n + (n - 1)] = 0
        }
        v[(n - 1) * n + (n - 1)] = 1
        e[0] = 0
    }

    /// tql2: implicit QL iterations on the tridiagonal matrix, accumulating into `v` (transposed).
    private static func diagonalize(
        _ v: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>,
        _ e: UnsafeMutablePointer<Double>, _ n: Int
    ) throws {
        for i in 1..<max(n, 1) { e[i - 1] = e[i] }
        e[n - 1] = 0
        var f = 0.0, tst1 = 0.0
        let eps = 0x1p-52
        for l in 0..<n {
            tst1 = max(tst1, abs(d[l]) + abs(e[l]))
            var m = l
            while m < n - 1, abs(e[m]) > eps * tst1 { m += 1 }
            if m > l {
                var iterations = 0
                repeat {
                    iterations += 1
                    if iterations > 100 { throw MetricsError("the eigenvalue iteration did not converge") }
                    var g = d[l]
                    var p = (d[l + 1] - g) / (2 * e[l])
                    var r = hypot(p, 1)
                    if p < 0 { r = -r }
                    d[l] = e[l] / (p + r)
                    d[l + 1] = e[l] * (p + r)
                    let dl1 = d[l + 1]
                    var h = g - d[l]
                    if l + 2 < n { for i in (l + 2)..<n { d[i] -= h } }
                    f += h
                    p = d[m]
                    var c = 1.0, c2 = 1.0, c3 = 1.0
                    let el1 = e[l + 1]
                    var s = 0.0, s2 = 0.0
                    for i in stride(from: m - 1, through: l, by: -1) {
                        c3 = c2
                        c2 = c
                        s2 = s
                        g = c * e[i]
                        h = c * p
                        r = hypot(p, e[i])
                        e[i + 1] = s * r
                        s = e[i] / r
                        c = p / r
                        p = c * d[i] - s * g
                        d[i + 1] = h + s * (c * g + s * d[i])
                        for k in 0..<n {
                            h = v[(i + 1) * n + k]
                            v[(i + 1) * n + k] = s * v[i * n + k] + c * h
                            v[i * n + k] = c * v[i * n + k] - s * h
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1
                    e[l] = s * p
                    d[l] = c * p
                } while abs(e[l]) > eps * tst1
            }
            d[l] += f
            e[l] = 0
        }
    }
}
