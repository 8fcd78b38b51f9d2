import NN
import Tensors
import XCTest

/// AdamW, the EMA and gradient clipping update large parameters over several
/// threads; the updated values must be the same bits at every thread count.
final class OptimizerThreadCountTests: XCTestCase {
    /// Parameter values, EMA shadow and clipping norm after three AdamW steps
    /// with clipping and EMA updates, run at `threads` threads.
    func train(threads: Int) throws -> (parameters: [[Float]], shadow: [String: [Float]], norms: [Float]) {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = threads
        var rng = RandomGenerator(seed: 21)
        let large = Tensor.randn([300, 400], generator: &rng)
        let small = Tensor.randn([7], generator: &rng)
        for p in [large, small] { p.requiresGrad = true }
        let parameters = [(path: "large", tensor: large), (path: "small", tensor: small)]
        let optimizer = try AdamW(parameters: parameters, learningRate: 1e-2)
        let ema = try ExponentialMovingAverage(parameters: parameters, decay: 0.9, warmup: .none)
        var norms: [Float] = []
        for step in 0..<3 {
            optimizer.zeroGrad()
            let target = Tensor.randn([300, 400], generator: &rng)
            let loss = Tensor.mseLoss(large * Float(step + 1), target) + (small * small).sum()
            loss.backward()
            norms.append(clipGradientNorm([large, small], maxNorm: 0.01))
            optimizer.step()
            ema.update()
        }
        return ([large.scalars, small.scalars], ema.state().shadow, norms)
    }

    func testAdamWWithEMAAndClippingIsTheSameAtOneTwoAndThreeThreads() throws {
        let one = try train(threads: 1)
        for threads in [2, 3] {
            let other = try train(threads: threads)
            XCTAssertEqual(one.norms.map(\.bitPattern), other.norms.map(\.bitPattern), "norms at \(threads) threads")
            for (a, b) in zip(one.parameters, other.parameters) {
                XCTAssertTrue(a.elementsEqual(b) { $0.bitPattern == $1.bitPattern }, "parameters at \(threads) threads")
            }
            for (path, values) in one.shadow {
                XCTAssertTrue(
                    values.elementsEqual(other.shadow[path] ?? []) { $0.bitPattern == $1.bitPattern },
                    "EMA shadow of \(path) at \(threads) threads")
            }
        }
        XCTAssertTrue(one.norms.allSatisfy { $0 > 0.01 }, "clipping should have scaled the gradients")
    }
}
