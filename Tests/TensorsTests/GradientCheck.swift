import Tensors
import XCTest

/// Finite-difference gradient checking: compares the analytic backward of a
/// scalar function of tensors with central differences computed in Double.
enum GradientCheck {
    /// Checks `f` at `inputs` (each made to require gradients); the loss is
    /// `Σ f(inputs) · w` for a fixed random weighting `w`, so every output element matters.
    static func check(
        _ inputs: [Tensor], epsilon: Double = 1e-2, tolerance: Double = 2e-2,
        seed: UInt64 = 7, file: StaticString = #filePath, line: UInt = #line,
        _ f: ([Tensor]) -> Tensor
    ) {
        for x in inputs { x.requiresGrad = true; x.grad = nil }
        let probe = f(inputs)
        var rng = RandomGenerator(seed: seed)
        let weights = Tensor.randn(probe.shape, generator: &rng)
        let loss = (probe * weights).sum()
        loss.backward()

        func value() -> Double {
            GradMode.withoutGradient {
                let y = f(inputs)
                var total = 0.0
                for i in 0..<y.count { total += Double(y.scalars[i]) * Double(weights.scalars[i]) }
                return total
            }
        }
        for (n, x) in inputs.enumerated() {
            guard let grad = x.grad else {
                XCTFail("input \(n): no gradient", file: file, line: line)
                continue
            }
            XCTAssertEqual(grad.shape, x.shape, file: file, line: line)
            for i in 0..<x.count {
                var values = x.scalars
                let original = values[i]
                values[i] = original + Float(epsilon)
                x.assign(values)
                let plus = value()
                values[i] = original - Float(epsilon)
                x.assign(values)
                let minus = value()
                values[i] = original
                x.assign(values)
                let numeric = (plus - minus) / (2 * epsilon)
                let analytic = Double(grad.scalars[i])
                let scale = max(1.0, abs(numeric), abs(analytic))
                if abs(numeric - analytic) > tolerance * scale {
                    XCTFail("input \(n) element \(i): analytic \(analytic) vs numeric \(numeric)", file: file, line: line)
                    return
                }
            }
        }
    }

    /// A seeded random tensor, values in N(0, 1).
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.randn(shape, generator: &rng)
    }

    /// A seeded random tensor with values in [low, high).
    static func positive(_ shape: [Int], seed: UInt64, low: Float = 0.5, high: Float = 2) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.uniform(shape, low: low, high: high, generator: &rng)
    }
}
