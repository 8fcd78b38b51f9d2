import Foundation
import NN
import Tensors
import XCTest

/// Conv2d, GroupNorm, LayerNorm, Embedding, Dropout and SiLU against direct
/// formulas, with their parameter names, shapes and initialisations.
final class LayerTests: XCTestCase {
    func testConv2dMatchesADirectSumWithStrideAndAsymmetricPadding() {
        var rng = RandomGenerator(seed: 6)
        let conv = Conv2d(
            2, 3, kernelSize: (3, 3), stride: (2, 2),
            padding: Conv2DPadding(top: 0, bottom: 1, left: 0, right: 1), generator: &rng)
        XCTAssertEqual(conv.parameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(conv.weight.shape, [3, 2, 3, 3])
        let x = Tensor.randn([2, 2, 5, 6], generator: &rng)
        let y = conv(x)
        // Output size ⌊(H + top + bottom − k)/s⌋ + 1.
        XCTAssertEqual(y.shape, [2, 3, 2, 3])
        var expected: [Double] = []
        for n in 0..<2 {
            for o in 0..<3 {
                for i in 0..<2 {
                    for j in 0..<3 {
                        var sum = Double(conv.bias!.scalars[o])
                        for c in 0..<2 {
                            for kh in 0..<3 {
                                for kw in 0..<3 {
                                    let (h, w) = (i * 2 + kh, j * 2 + kw)
                                    guard h < 5, w < 6 else { continue }
                                    sum += Double(conv.weight[o, c, kh, kw]) * Double(x[n, c, h, w])
                                }
                            }
                        }
                        expected.append(sum)
                    }
                }
            }
        }
        assertClose(y.scalars, expected, tolerance: 1e-5)
    }

    func testConv2dInitialisationUsesFanInOfChannelsTimesKernel() {
        var rng = RandomGenerator(seed: 7)
        let conv = Conv2d(4, 64, kernelSize: 3, padding: 1, generator: &rng)
        let bound = Float(1 / 6.0)  // 1/√(4·3·3)
        XCTAssertTrue(conv.weight.scalars.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(conv.weight.scalars.max()!, 0.95 * bound)
        XCTAssertTrue(conv.bias!.scalars.allSatisfy { abs($0) <= bound })
        XCTAssertEqual(conv(Tensor.zeros([1, 4, 5, 5])).shape, [1, 64, 5, 5])
        XCTAssertNil(Conv2d(4, 8, kernelSize: 1, bias: false, generator: &rng).bias)
    }

    func testGroupNormNormalisesEachGroupAndStartsAsIdentityAffine() {
        var rng = RandomGenerator(seed: 8)
        let norm = GroupNorm(groupCount: 2, channelCount: 4, epsilon: 1e-6)
        XCTAssertEqual(norm.weight!.scalars, [1, 1, 1, 1])
        XCTAssertEqual(norm.bias!.scalars, [0, 0, 0, 0])
        XCTAssertEqual(norm.parameters.map(\.name), ["weight", "bias"])
        let x = Tensor.randn([2, 4, 3, 3], generator: &rng) * 3 + 1
        let y = norm(x)
        for n in 0..<2 {
            for g in 0..<2 {
                let start = n * 36 + g * 18
                let xs = x.scalars[start..<start + 18].map(Double.init)
                let mean = xs.reduce(0, +) / 18
                let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 18
                let expected = xs.map { ($0 - mean) / (variance + 1e-6).squareRoot() }
                assertClose(Array(y.scalars[start..<start + 18]), expected, tolerance: 1e-5)
            }
        }
        norm.weight!.assign([2, 2, 2, 2])
        norm.bias!.assign([1, 1, 1, 1])
        assertClose(norm(x).scalars, y.scalars.map { 2 * Double($0) + 1 }, tolerance: 1e-5)
        XCTAssertEqual(GroupNorm(groupCount: 1, channelCount: 3, affine: false).parameters.count, 0)
    }

    func testLayerNormNormalisesTheLastAxis() {
        var rng = RandomGenerator(seed: 9)
        let norm = LayerNorm(5)
        XCTAssertEqual(norm.weight!.shape, [5])
        let x = Tensor.randn([3, 5], generator: &rng) * 2 - 1
        let y = norm(x)
        for row in 0..<3 {
            let xs = x.scalars[row * 5..<row * 5 + 5].map(Double.init)
            let mean = xs.reduce(0, +) / 5
            let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5
            assertClose(
                Array(y.scalars[row * 5..<row * 5 + 5]),
                xs.map { ($0 - mean) / (variance + 1e-5).squareRoot() }, tolerance: 1e-5)
        }
    }

    func testEmbeddingLooksUpRowsAndStartsStandardNormal() {
        var rng = RandomGenerator(seed: 10)
        let embedding = Embedding(count: 100, dimension: 50, generator: &rng)
        XCTAssertEqual(embedding.parameters.map(\.name), ["weight"])
        let w = embedding.weight.scalars.map(Double.init)
        let mean = w.reduce(0, +) / Double(w.count)
        let variance = w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)
        XCTAssertEqual(mean, 0, accuracy: 0.05)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
        let rows = embedding([3, 0, 3])
        XCTAssertEqual(rows.shape, [3, 50])
        XCTAssertEqual(Array(rows.scalars[0..<50]), Array(embedding.weight.scalars[150..<200]))
        XCTAssertEqual(Array(rows.scalars[50..<100]), Array(embedding.weight.scalars[0..<50]))
        rows.sum().backward()
        XCTAssertEqual(embedding.weight.grad![3, 7], 2)
        XCTAssertEqual(embedding.weight.grad![0, 7], 1)
        XCTAssertEqual(embedding.weight.grad![1, 7], 0)
    }

    func testDropoutDropsAndRescalesInTrainingAndIsIdentityInEvaluation() {
        var rng = RandomGenerator(seed: 11)
        let dropout = Dropout(probability: 0.25, generator: &rng)
        let model = Sequential([Linear(2, 2, generator: &rng), dropout])
        let x = Tensor.ones([4000])
        let y = dropout(x)
        let zeros = y.scalars.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / 4000, 0.25, accuracy: 0.03)
        XCTAssertTrue(y.scalars.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3) < 1e-6 })
        XCTAssertNotEqual(dropout(x).scalars, y.scalars, "each call draws a new mask")

        model.setTraining(false)
        XCTAssertFalse(dropout.isTraining)
        XCTAssertEqual(dropout(x).scalars, x.scalars)
        model.setTraining(true)
        XCTAssertTrue(dropout.isTraining)

        var again = RandomGenerator(seed: 11)
        XCTAssertEqual(Dropout(probability: 0.25, generator: &again)(x).scalars, y.scalars, "same seed, same mask")
    }

    func testSiLUIsXTimesSigmoid() {
        let x = Tensor([-3, -0.5, 0, 0.5, 3])
        assertClose(SiLU()(x).scalars, x.scalars.map { Double($0) / (1 + exp(-Double($0))) })
    }
}
