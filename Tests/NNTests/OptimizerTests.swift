import Foundation
import NN
import Tensors
import XCTest

/// Optimisers against the PyTorch update rules evaluated in Double.
final class OptimizerTests: XCTestCase {
    private let initial: [Float] = [0.5, -1.25, 2.0, 0.0]
    /// Gradients for five steps; varying signs and sizes.
    private let gradients: [[Float]] = [
        [0.1, -0.2, 0.3, 1.0], [0.05, 0.4, -0.3, 0.5], [-0.2, 0.1, 0.0, -1.5],
        [0.3, -0.1, 0.2, 0.25], [0.0, 0.3, -0.1, 0.75],
    ]

    private func makeParameter() -> Tensor {
        Tensor(shape: [2, 2], scalars: initial, requiresGrad: true)
    }

    private func run(_ optimizer: Optimizer, steps: Int) {
        let parameter = optimizer.parameters[0].tensor
        for step in 0..<steps {
            parameter.grad = Tensor(shape: [2, 2], scalars: gradients[step])
            optimizer.step()
        }
    }

    func testSGDWithMomentumDampeningAndWeightDecayMatchesPyTorchRule() throws {
        for nesterov in [false, true] {
            let parameter = makeParameter()
            let (lr, mu, tau, lambda) = (0.1, 0.9, nesterov ? 0.0 : 0.3, 0.01)
            let sgd = try SGD(
                parameters: [("p", parameter)], learningRate: Float(lr), momentum: Float(mu),
                dampening: Float(tau), weightDecay: Float(lambda), nesterov: nesterov)
            run(sgd, steps: 5)
            var theta = initial.map(Double.init), buffer = [Double](repeating: 0, count: 4)
            for step in 0..<5 {
                for i in 0..<4 {
                    var d = Double(gradients[step][i]) + lambda * theta[i]
                    buffer[i] = step == 0 ? d : mu * buffer[i] + (1 - tau) * d
                    d = nesterov ? d + mu * buffer[i] : buffer[i]
                    theta[i] -= lr * d
                }
            }
            assertClose(parameter.scalars, theta, tolerance: 1e-6)
            XCTAssertEqual(sgd.stepCount, 5)
        }
    }

    func testPlainSGDIsGradientDescent() throws {
        let parameter = makeParameter()
        let sgd = try SGD(parameters: [("p", parameter)], learningRate: 0.5)
        run(sgd, steps: 1)
        assertClose(parameter.scalars, zip(initial, gradients[0]).map { Double($0) - 0.5 * Double($1) })
        XCTAssertEqual(sgd.state().parameters["p"]?.buffers, [:])
    }

    /// PyTorch's Adam / AdamW in Double.
    private func adamReference(
        steps: Int, lr: Double, betas: (Double, Double), eps: Double,
        weightDecay: Double, decoupled: Bool
    ) -> [Double] {
        var theta = initial.map(Double.init)
        var m = [Double](repeating: 0, count: 4), v = m
        for step in 0..<steps {
            let t = Double(step + 1)
            for i in 0..<4 {
                var g = Double(gradients[step][i])
                if decoupled { theta[i] *= 1 - lr * weightDecay } else { g += weightDecay * theta[i] }
                m[i] = betas.0 * m[i] + (1 - betas.0) * g
                v[i] = betas.1 * v[i] + (1 - betas.1) * g * g
                let mHat = m[i] / (1 - pow(betas.0, t))
                let denominator = (v[i] / (1 - pow(betas.1, t))).squareRoot() + eps
                theta[i] -= lr * mHat / denominator
            }
        }
        return theta
    }

    func testAdamMatchesPyTorchRuleWithL2WeightDecay() throws {
        let parameter = makeParameter()
        let adam = try Adam(
            parameters: [("p", parameter)], learningRate: 0.01, betas: (0.8, 0.95),
            epsilon: 1e-6, weightDecay: 0.1)
        run(adam, steps: 5)
        assertClose(
            parameter.scalars,
            adamReference(
                steps: 5, lr: 0.01, betas: (0.8, 0.95), eps: 1e-6,
                weightDecay: 0.1, decoupled: false), tolerance: 2e-6)
    }

    func testAdamWMatchesPyTorchRuleWithDecoupledDecayAndDefaults() throws {
        let parameter = makeParameter()
        let adamW = try AdamW(parameters: [("p", parameter)], learningRate: 0.05)
        XCTAssertEqual(adamW.weightDecay, 0.01)
        XCTAssertEqual(adamW.beta1, 0.9)
        XCTAssertEqual(adamW.beta2, 0.999)
        XCTAssertEqual(adamW.epsilon, 1e-8)
        run(adamW, steps: 5)
        assertClose(
            parameter.scalars,
            adamReference(
                steps: 5, lr: 0.05, betas: (0.9, 0.999), eps: 1e-8,
                weightDecay: 0.01, decoupled: true), tolerance: 2e-6)
    }

    func testAdamFirstStepMovesEachNonZeroGradientEntryByTheLearningRate() throws {
        let parameter = makeParameter()
        let adam = try Adam(parameters: [("p", parameter)], learningRate: 0.1, epsilon: 0)
        run(adam, steps: 1)
        // m̂ = g and √v̂ = |g| at t = 1, so θ moves by lr·sign(g).
        assertClose(parameter.scalars, zip(initial, gradients[0]).map { Double($0) - 0.1 * ($1 > 0 ? 1 : -1) })
    }

    func testParametersWithoutGradientAreSkippedAndGetNoState() throws {
        let a = makeParameter(), b = makeParameter()
        let adam = try AdamW(parameters: [("a", a), ("b", b)], learningRate: 0.1)
        a.grad = Tensor.ones([2, 2])
        adam.step()
        XCTAssertEqual(b.scalars, initial)
        XCTAssertNotEqual(a.scalars, initial)
        XCTAssertEqual(Array(adam.state().parameters.keys), ["a"])
        adam.zeroGrad()
        XCTAssertNil(a.grad)
    }

    func testStateRoundTripResumesBitForBit() throws {
        func make(_ parameter: Tensor) throws -> [Optimizer] {
            [
                try SGD(parameters: [("p", parameter)], learningRate: 0.1, momentum: 0.9),
                try Adam(parameters: [("p", parameter)], learningRate: 0.01),
                try AdamW(parameters: [("p", parameter)], learningRate: 0.01, weightDecay: 0.1),
            ]
        }
        let straight = makeParameter(), resumed = makeParameter()
        for (index, optimizer) in try make(straight).enumerated() {
            straight.assign(initial); resumed.assign(initial)
            run(optimizer, steps: 5)

            let first = try make(resumed)[index]
            run(first, steps: 3)
            let json = try JSONEncoder().encode(first.state())
            let (tensors, metadata) = try JSONDecoder().decode(OptimizerState.self, from: json).archived()
            let second = try make(resumed)[index]
            try second.load(state: try OptimizerState(archivedTensors: tensors, metadata: metadata))
            XCTAssertEqual(second.state(), first.state())
            for step in 3..<5 {
                resumed.grad = Tensor(shape: [2, 2], scalars: gradients[step])
                second.step()
            }
            XCTAssertEqual(resumed.scalars.map(\.bitPattern), straight.scalars.map(\.bitPattern), "\(type(of: optimizer))")
            XCTAssertEqual(second.stepCount, 5)
        }
    }

    func testLoadingAStateThatDoesNotFitNamesEveryProblem() throws {
        let adam = try Adam(parameters: [("p", makeParameter())])
        let state = OptimizerState(
            stepCount: 1,
            parameters: [
                "p": .init(step: 1, buffers: ["exp_avg": [0, 0, 0], "momentum": [1, 2, 3, 4]]),
                "q": .init(step: 1, buffers: [:]),
            ])
        XCTAssertThrowsError(try adam.load(state: state)) { error in
            let text = String(describing: error)
            for fragment in [
                "unknown parameter 'q'", "missing buffer 'exp_avg_sq'", "unexpected buffer 'momentum'",
                "buffer 'exp_avg' has 3 values, parameter has 4",
            ] {
                XCTAssertTrue(text.contains(fragment), "'\(text)' lacks '\(fragment)'")
            }
        }
        XCTAssertThrowsError(try OptimizerState(archivedTensors: ["p.exp_avg": Tensor([1])], metadata: ["step_count": "1"]))
        XCTAssertThrowsError(try OptimizerState(archivedTensors: [:], metadata: [:]))
    }

    func testInvalidHyperparametersThrow() {
        let p = makeParameter()
        XCTAssertThrowsError(try SGD(parameters: [("p", p)], learningRate: -1))
        XCTAssertThrowsError(try SGD(parameters: [("p", p)], learningRate: 0.1, nesterov: true))
        XCTAssertThrowsError(try Adam(parameters: [("p", p)], betas: (1, 0.9)))
        XCTAssertThrowsError(try AdamW(parameters: [("p", p)], learningRate: .nan))
        XCTAssertThrowsError(try AdamW(parameters: [("p", p)], weightDecay: -0.1))
        XCTAssertThrowsError(try AdamW(parameters: [("p", p), ("q", p)]))
        XCTAssertThrowsError(try SGD(parameters: [("p", p), ("p", makeParameter())], learningRate: 0.1))
    }
}

final class LearningRateScheduleTests: XCTestCase {
    func testLinearWarmupThenConstant() throws {
        let schedule = try LearningRateSchedule(baseRate: 2e-4, warmupSteps: 4)
        XCTAssertEqual((0..<6).map { schedule.factor(atStep: $0) }, [0, 0.25, 0.5, 0.75, 1, 1])
        XCTAssertEqual(schedule.rate(atStep: 2), 1e-4)
        XCTAssertEqual(try LearningRateSchedule(baseRate: 0.1).rate(atStep: 0), 0.1)
    }

    func testCosineDecayAfterWarmup() throws {
        let schedule = try LearningRateSchedule(baseRate: 1, warmupSteps: 10, decay: .cosine(totalSteps: 110))
        XCTAssertEqual(schedule.factor(atStep: 5), 0.5)
        XCTAssertEqual(schedule.factor(atStep: 10), 1)
        XCTAssertEqual(schedule.factor(atStep: 60), 0.5, accuracy: 1e-12)
        XCTAssertEqual(schedule.factor(atStep: 35), 0.5 * (1 + cos(Double.pi / 4)), accuracy: 1e-12)
        XCTAssertEqual(schedule.factor(atStep: 110), 0, accuracy: 1e-12)
        XCTAssertEqual(schedule.factor(atStep: 500), 0, accuracy: 1e-12)
    }

    /// Values of diffusers' `get_linear_schedule_with_warmup`,
    /// `get_cosine_with_hard_restarts_schedule_with_warmup` and
    /// `get_polynomial_decay_schedule_with_warmup` (W = 10, T = 110), worked by hand.
    func testLinearRestartsAndPolynomialDecays() throws {
        let linear = try LearningRateSchedule(baseRate: 1, warmupSteps: 10, decay: .linear(totalSteps: 110))
        XCTAssertEqual([10, 35, 60, 110, 200].map { linear.factor(atStep: $0) }, [1, 0.75, 0.5, 0, 0])
        let restarts = try LearningRateSchedule(baseRate: 1, warmupSteps: 10, decay: .cosineWithRestarts(totalSteps: 110, cycles: 2))
        XCTAssertEqual(restarts.factor(atStep: 10), 1)
        XCTAssertEqual(restarts.factor(atStep: 35), 0.5, accuracy: 1e-12)  // p = 0.25: half way down the first cycle
        XCTAssertEqual(restarts.factor(atStep: 60), 1, accuracy: 1e-12)  // p = 0.5: the restart
        XCTAssertEqual(restarts.factor(atStep: 85), 0.5, accuracy: 1e-12)
        XCTAssertEqual(restarts.factor(atStep: 110), 0)
        let polynomial = try LearningRateSchedule(
            baseRate: 1e-3, warmupSteps: 10,
            decay: .polynomial(totalSteps: 110, power: 2, endRate: 1e-4))
        XCTAssertEqual(polynomial.factor(atStep: 60), 0.9 * 0.25 + 0.1, accuracy: 1e-6)
        XCTAssertEqual(polynomial.factor(atStep: 110), 0.1, accuracy: 1e-6)
        XCTAssertEqual(polynomial.factor(atStep: 400), 0.1, accuracy: 1e-6)
        XCTAssertThrowsError(try LearningRateSchedule(baseRate: 1e-3, decay: .polynomial(totalSteps: 10, power: 1, endRate: 1)))
        XCTAssertThrowsError(try LearningRateSchedule(baseRate: 1, decay: .cosineWithRestarts(totalSteps: 10, cycles: 0)))
    }

    func testBadSchedulesThrow() {
        XCTAssertThrowsError(try LearningRateSchedule(baseRate: -1))
        XCTAssertThrowsError(try LearningRateSchedule(baseRate: 1, warmupSteps: -2))
        XCTAssertThrowsError(try LearningRateSchedule(baseRate: 1, warmupSteps: 10, decay: .cosine(totalSteps: 10)))
    }
}

final class GradientClippingTests: XCTestCase {
    func testClipsToTheGlobalNormAndReturnsTheNormBefore() {
        let a = Tensor(shape: [2], scalars: [0, 0], requiresGrad: true)
        let b = Tensor(shape: [1], scalars: [0], requiresGrad: true)
        let c = Tensor(shape: [1], scalars: [0], requiresGrad: true)
        a.grad = Tensor([3, 4])
        b.grad = Tensor([12])
        let norm = clipGradientNorm([a, b, c], maxNorm: 6.5)
        XCTAssertEqual(norm, 13)
        let scale = 6.5 / (13 + 1e-6)
        assertClose(a.grad!.scalars, [3 * scale, 4 * scale], tolerance: 1e-7)
        assertClose(b.grad!.scalars, [12 * scale], tolerance: 1e-7)
        XCTAssertNil(c.grad)
    }

    func testLeavesSmallGradientsAlone() {
        let a = Tensor(shape: [2], scalars: [0, 0], requiresGrad: true)
        a.grad = Tensor([0.3, 0.4])
        XCTAssertEqual(clipGradientNorm([a], maxNorm: 1), 0.5, accuracy: 1e-7)
        XCTAssertEqual(a.grad!.scalars, [0.3, 0.4])
    }

    func testModuleClippingCoversAllParameters() {
        var rng = RandomGenerator(seed: 2)
        let layer = Linear(3, 2, generator: &rng)
        (layer(Tensor.ones([5, 3])) * 100).sum().backward()
        let norm = layer.clipGradientNorm(maxNorm: 1)
        XCTAssertGreaterThan(norm, 1)
        let after = layer.namedParameters().flatMap { $0.tensor.grad!.scalars }.map { Double($0) * Double($0) }.reduce(0, +)
        XCTAssertEqual(after.squareRoot(), 1, accuracy: 1e-5)
    }
}
