import Tensors
import XCTest

/// The fused GroupNorm + SiLU op against the two ops it replaces.
final class GroupNormSiLUTests: XCTestCase {
    /// Output and gradients of `f` with a fixed random output weighting.
    func evaluate(_ inputs: [Tensor], _ f: ([Tensor]) -> Tensor) -> [[Float]] {
        for x in inputs { x.requiresGrad = true; x.grad = nil }
        let y = f(inputs)
        var rng = RandomGenerator(seed: 3)
        (y * Tensor.randn(y.shape, generator: &rng)).sum().backward()
        return [y.scalars] + inputs.map { $0.grad?.scalars ?? [] }
    }

    func testFusedEqualsGroupNormThenSiLUBitForBit() {
        let x = GradientCheck.random([4, 12, 9, 9], seed: 1) * 3 + 0.5
        let gamma = GradientCheck.random([12], seed: 2), beta = GradientCheck.random([12], seed: 3)
        let fused = evaluate([x, gamma, beta]) { $0[0].groupNormSiLU(groups: 3, weight: $0[1], bias: $0[2]) }
        let separate = evaluate([x, gamma, beta]) { $0[0].groupNorm(groups: 3, weight: $0[1], bias: $0[2]).silu() }
        for (index, (a, b)) in zip(fused, separate).enumerated() {
            XCTAssertTrue(a.elementsEqual(b) { $0.bitPattern == $1.bitPattern }, "array \(index) differs")
        }
        let plain = evaluate([x]) { $0[0].groupNormSiLU(groups: 4, weight: nil, bias: nil) }
        let plainSeparate = evaluate([x]) { $0[0].groupNorm(groups: 4, weight: nil, bias: nil).silu() }
        XCTAssertEqual(plain, plainSeparate)
    }

    func testFusedGradients() {
        let x = GradientCheck.random([2, 4, 3, 3], seed: 4)
        let gamma = GradientCheck.random([4], seed: 5), beta = GradientCheck.random([4], seed: 6)
        GradientCheck.check([x, gamma, beta], epsilon: 1e-2, tolerance: 3e-2) {
            $0[0].groupNormSiLU(groups: 2, weight: $0[1], bias: $0[2])
        }
    }

    func testFusedIsTheSameAtOneTwoAndThreeThreads() {
        let x = GradientCheck.random([8, 16, 20, 20], seed: 7)
        let gamma = GradientCheck.random([16], seed: 8), beta = GradientCheck.random([16], seed: 9)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [[[Float]]] = []
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            results.append(evaluate([x, gamma, beta]) { $0[0].groupNormSiLU(groups: 4, weight: $0[1], bias: $0[2]) })
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
    }

    func testShiftedEqualsAddThenGroupNormSiLU() {
        let x = GradientCheck.random([4, 12, 9, 9], seed: 10) * 2
        let shift = GradientCheck.random([4, 12], seed: 11) * 3
        let gamma = GradientCheck.random([12], seed: 12), beta = GradientCheck.random([12], seed: 13)
        let fused = evaluate([x, shift, gamma, beta]) {
            $0[0].groupNormSiLU(adding: $0[1], groups: 3, weight: $0[2], bias: $0[3])
        }
        let separate = evaluate([x, shift, gamma, beta]) {
            ($0[0] + $0[1].reshaped([4, 12, 1, 1])).groupNormSiLU(groups: 3, weight: $0[2], bias: $0[3])
        }
        // Output and the gradients of x, γ, β: the same bits; the shift's gradient sums in another order.
        for index in [0, 1, 3, 4] {
            XCTAssertTrue(fused[index].elementsEqual(separate[index]) { $0.bitPattern == $1.bitPattern }, "array \(index) differs")
        }
        for (a, b) in zip(fused[2], separate[2]) {
            XCTAssertEqual(a, b, accuracy: 1e-4 * Swift.max(1, Swift.abs(b)))
        }
    }

    func testShiftedGradients() {
        let x = GradientCheck.random([2, 4, 3, 3], seed: 14)
        let shift = GradientCheck.random([2, 4], seed: 15)
        let gamma = GradientCheck.random([4], seed: 16), beta = GradientCheck.random([4], seed: 17)
        GradientCheck.check([x, shift, gamma, beta], epsilon: 1e-2, tolerance: 3e-2) {
            $0[0].groupNormSiLU(adding: $0[1], groups: 2, weight: $0[2], bias: $0[3])
        }
    }

    func testShiftedIsTheSameAtOneTwoAndThreeThreads() {
        let x = GradientCheck.random([8, 16, 20, 20], seed: 18)
        let shift = GradientCheck.random([8, 16], seed: 19)
        let gamma = GradientCheck.random([16], seed: 20), beta = GradientCheck.random([16], seed: 21)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [[[Float]]] = []
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            results.append(
                evaluate([x, shift, gamma, beta]) {
                    $0[0].groupNormSiLU(adding: $0[1], groups: 4, weight: $0[2], bias: $0[3])
                })
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
    }
}
