import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// A Gaussian mixture `Σ π_k N(m_k, s_k² I)` in `dimension` dimensions, and
/// its exact ε-predictor: for `x_t = a x0 + σ ε` (a = √ᾱ_t, σ² = 1 − ᾱ_t) the
/// marginal is `Σ π_k N(a m_k, (a² s_k² + σ²) I)` and the optimal prediction is
/// `E[ε | x_t] = σ Σ_k w_k(x_t) (x_t − a m_k)/(a² s_k² + σ²)`.
struct GaussianMixture: DenoisingModel {
    let weights: [Double]
    let means: [[Double]]
    let deviations: [Double]
    let schedule: NoiseSchedule

    var dimension: Int { means[0].count }

    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        let d = dimension
        precondition(x.rank == 2 && x.shape[1] == d, "GaussianMixture expects [B, \(d)]")
        var out = [Float](repeating: 0, count: x.count)
        let values = x.scalars
        for b in 0..<x.shape[0] {
            let t = timesteps[b]
            let a = schedule.double.sqrtAlphaBar[t], sigma2 = schedule.double.oneMinusAlphaBar[t]
            var logW = [Double](repeating: 0, count: weights.count)
            var variances = [Double](repeating: 0, count: weights.count)
            for k in 0..<weights.count {
                let v = a * a * deviations[k] * deviations[k] + sigma2
                variances[k] = v
                var squared = 0.0
                for j in 0..<d { let r = Double(values[b * d + j]) - a * means[k][j]; squared += r * r }
                logW[k] = log(weights[k]) - 0.5 * Double(d) * log(v) - squared / (2 * v)
            }
            let top = logW.max()!
            let w = logW.map { exp($0 - top) }
            let total = w.reduce(0, +)
            for j in 0..<d {
                var e = 0.0
                for k in 0..<weights.count {
                    e += w[k] / total * (Double(values[b * d + j]) - a * means[k][j]) / variances[k]
                }
                out[b * d + j] = Float(sigma2.squareRoot() * e)
            }
        }
        return Tensor(shape: x.shape, scalars: out)
    }

    /// `count` draws from the mixture, shape `[count, dimension]`.
    func sample(_ count: Int, generator: inout RandomGenerator) -> Tensor {
        var values: [Float] = []
        for _ in 0..<count {
            let u = Double(generator.nextUniform())
            var k = 0, running = weights[0]
            while u >= running, k < weights.count - 1 { k += 1; running += weights[k] }
            for j in 0..<dimension { values.append(Float(means[k][j] + deviations[k] * Double(generator.nextNormal()))) }
        }
        return Tensor(shape: [count, dimension], scalars: values)
    }
}

/// Asserts `|a − b| ≤ tolerance · max(1, |b|)` elementwise.
func assertClose(_ actual: [Float], _ expected: [Double], tolerance: Double, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(message): count", file: file, line: line)
    for i in 0..<min(actual.count, expected.count) {
        let scale = max(1, abs(expected[i]))
        if abs(Double(actual[i]) - expected[i]) > tolerance * scale {
            XCTFail("\(message) [\(i)]: \(actual[i]) vs \(expected[i]) (tolerance \(tolerance) × \(scale))", file: file, line: line)
            return
        }
    }
}

/// Asserts that `body` throws a `DiffusionError` whose description contains `fragment`.
func assertThrowsDiffusionError<T>(_ fragment: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected an error mentioning '\(fragment)'", file: file, line: line)
    } catch let error as DiffusionError {
        XCTAssertTrue(error.description.contains(fragment), "'\(error.description)' does not mention '\(fragment)'", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}

/// Mean and variance of a list of values.
func moments(_ values: [Double]) -> (mean: Double, variance: Double) {
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    return (mean, variance)
}

/// log N(x; μ, v) in Double.
func logNormal(_ x: Double, mean: Double, variance: Double) -> Double {
    -0.5 * (log(2 * Double.pi * variance) + (x - mean) * (x - mean) / variance)
}
