import Foundation

/// Mean and (unbiased) variance of a list of values.
public func moments(_ values: [Double]) -> (mean: Double, variance: Double) {
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    return (mean, variance)
}

/// log N(x; μ, v) in Double.
public func logNormal(_ x: Double, mean: Double, variance: Double) -> Double {
    -0.5 * (log(2 * Double.pi * variance) + (x - mean) * (x - mean) / variance)
}
