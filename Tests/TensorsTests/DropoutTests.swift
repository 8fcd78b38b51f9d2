import Tensors
import XCTest

final class DropoutTests: XCTestCase {
    func testEvaluationIsIdentityAndDrawsNothing() {
        let x = GradientCheck.random([4, 5], seed: 90)
        var generator = RandomGenerator(seed: 1)
        let before = generator
        let y = x.dropout(probability: 0.5, training: false, generator: &generator)
        XCTAssertEqual(y.scalars, x.scalars)
        XCTAssertEqual(generator, before)
        XCTAssertEqual(x.dropout(probability: 0, training: true, generator: &generator).scalars, x.scalars)
    }

    func testMaskStatisticsAndScaling() {
        let n = 40_000, p: Float = 0.3
        let x = Tensor.ones([n])
        x.requiresGrad = true
        var generator = RandomGenerator(seed: 2)
        let y = x.dropout(probability: p, training: true, generator: &generator)
        let kept = y.scalars.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { Swift.abs($0 - 1 / (1 - p)) < 1e-6 }, "survivors are scaled by 1/(1-p)")
        let dropped = Double(n - kept.count) / Double(n)
        XCTAssertEqual(dropped, Double(p), accuracy: 0.015)
        XCTAssertEqual(Double(y.scalars.reduce(0, +)) / Double(n), 1, accuracy: 0.03, "the mean is preserved")
        // The gradient is the mask scaled by 1/(1-p): equal to the output for an input of ones.
        y.backward(Tensor.ones([n]))
        XCTAssertEqual(x.grad?.scalars, y.scalars)
    }

    func testSameSeedSameMask() {
        let x = GradientCheck.random([100], seed: 91)
        var a = RandomGenerator(seed: 3), b = RandomGenerator(seed: 3)
        let first = x.dropout(probability: 0.5, training: true, generator: &a)
        XCTAssertEqual(first.scalars, x.dropout(probability: 0.5, training: true, generator: &b).scalars)
        // The generator moved on, so the next mask differs.
        XCTAssertNotEqual(first.scalars, x.dropout(probability: 0.5, training: true, generator: &a).scalars)
    }

    func testDropAll() {
        var generator = RandomGenerator(seed: 4)
        let y = Tensor.ones([10]).dropout(probability: 1, training: true, generator: &generator)
        XCTAssertEqual(y.scalars, [Float](repeating: 0, count: 10))
    }

    func testGradient() {
        let x = GradientCheck.random([3, 4], seed: 92)
        GradientCheck.check([x]) { p in
            var generator = RandomGenerator(seed: 5)
            return p[0].dropout(probability: 0.4, training: true, generator: &generator)
        }
    }
}
