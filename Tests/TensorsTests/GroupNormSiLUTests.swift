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
}
