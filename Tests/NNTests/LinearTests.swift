import Foundation
import NN
import Tensors
import XCTest

final class LinearTests: XCTestCase {
    func testForwardIsXTimesWTransposePlusBiasOnAnyLeadingShape() {
        var rng = RandomGenerator(seed: 4)
        let layer = Linear(3, 2, generator: &rng)
        let x = Tensor.randn([2, 2, 3], generator: &rng)
        let y = layer(x)
        XCTAssertEqual(y.shape, [2, 2, 2])
        var expected: [Double] = []
        for row in 0..<4 {
            for o in 0..<2 {
                var sum = Double(layer.bias!.scalars[o])
                for i in 0..<3 { sum += Double(x.scalars[row * 3 + i]) * Double(layer.weight.scalars[o * 3 + i]) }
                expected.append(sum)
            }
        }
        assertClose(y.scalars, expected, tolerance: 1e-5)
        XCTAssertEqual(layer(Tensor([1, 0, 0])).shape, [2])
    }

    /// At every pixel of a feature map, the same as the layer on that pixel's
    /// channel vector, plus the residual; the weight gradient too.
    func testPointwiseIsTheLayerAtEveryPixel() {
        var rng = RandomGenerator(seed: 9)
        let layer = Linear(3, 2, generator: &rng)
        let x = Tensor.randn([2, 3, 2, 2], generator: &rng)
        let residual = Tensor.randn([2, 2, 2, 2], generator: &rng)
        let r = Tensor.randn([2, 2, 2, 2], generator: &rng)
        let y = layer.pointwise(x, adding: residual)
        XCTAssertEqual(y.shape, [2, 2, 2, 2])
        (y * r).sum().backward()
        let pointwiseGrad = layer.weight.grad!.scalars
        layer.weight.grad = nil
        let tokens = x.permuted([0, 2, 3, 1])
        let expected = layer(tokens).permuted([0, 3, 1, 2]) + residual
        (expected * r).sum().backward()
        assertClose(y.scalars, expected.scalars.map(Double.init), tolerance: 1e-5)
        assertClose(pointwiseGrad, layer.weight.grad!.scalars.map(Double.init), tolerance: 1e-5)
    }

    func testGradientsMatchTheClosedForm() {
        var rng = RandomGenerator(seed: 8)
        let layer = Linear(3, 2, generator: &rng)
        let x = Tensor.randn([4, 3], generator: &rng)
        let r = Tensor.randn([4, 2], generator: &rng)
        (layer(x) * r).sum().backward()
        var dW = [Double](repeating: 0, count: 6), db = [Double](repeating: 0, count: 2)
        for n in 0..<4 {
            for o in 0..<2 {
                db[o] += Double(r.scalars[n * 2 + o])
                for i in 0..<3 { dW[o * 3 + i] += Double(r.scalars[n * 2 + o]) * Double(x.scalars[n * 3 + i]) }
            }
        }
        assertClose(layer.weight.grad!.scalars, dW, tolerance: 1e-5)
        assertClose(layer.bias!.grad!.scalars, db, tolerance: 1e-5)
    }

    func testDefaultInitialisationIsUniformWithinOneOverRootFanIn() {
        var rng = RandomGenerator(seed: 1)
        let layer = Linear(64, 200, generator: &rng)
        let bound: Float = 1 / 8
        for values in [layer.weight.scalars, layer.bias!.scalars] {
            XCTAssertTrue(values.allSatisfy { abs($0) <= bound })
        }
        let w = layer.weight.scalars.map(Double.init)
        let mean = w.reduce(0, +) / Double(w.count)
        let variance = w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)
        XCTAssertEqual(mean, 0, accuracy: 0.005)
        XCTAssertEqual(variance, Double(bound * bound) / 3, accuracy: 0.0003, "variance of U(−b, b) is b²/3")
        XCTAssertGreaterThan(w.max()!, 0.95 * Double(bound))

        var same = RandomGenerator(seed: 1)
        XCTAssertEqual(Linear(64, 200, generator: &same).weight.scalars, layer.weight.scalars)
        XCTAssertNil(Linear(2, 2, bias: false, generator: &rng).bias)
        XCTAssertEqual(Linear(2, 2, bias: false, generator: &rng).parameters.map(\.name), ["weight"])
    }
}
