import Foundation
import NN
import Tensors
import XCTest
import Diffusion

/// Records the batch sizes and labels it is called with, and forwards to a network.
private final class CallRecorder: DenoisingModel {
    let model: any DenoisingModel
    var calls: [(batch: Int, labels: [Int]?)] = []

    init(_ model: any DenoisingModel) { self.model = model }

    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        calls.append((x.shape[0], classLabels))
        return try model(x, timesteps: timesteps, classLabels: classLabels)
    }
}

final class ClassifierFreeGuidanceTests: XCTestCase {
    /// 3 real classes and the null class 3.
    private let classes = 3, nullClass = 3

    private func makeUNet(outputFactor: Int = 1, seed: UInt64 = 7) throws -> UNet2DModel {
        var generator = RandomGenerator(seed: seed)
        let config = UNetConfig(
            sampleSize: 8, inChannels: 1, outChannels: outputFactor, blockOutChannels: [8, 16],
            layersPerBlock: 1, downBlockTypes: [.plain, .attention], upBlockTypes: [.attention, .plain],
            attentionHeadDim: nil, normNumGroups: 4, numClassEmbeds: classes + 1)
        let model = try UNet2DModel(config: config, generator: &generator)
        model.setTraining(false)
        return model
    }

    private func input(batch: Int = 3) -> Tensor {
        var generator = RandomGenerator(seed: 21)
        return Tensor.randn([batch, 1, 8, 8], generator: &generator)
    }

    /// w = 1 is the conditional prediction and w = 0 the unconditional one, bit for bit;
    /// other weights follow ε_u + w (ε_c − ε_u).
    func testEndPointsAreExactAndInteriorFollowsTheFormula() throws {
        let unet = try makeUNet()
        let x = input()
        let timesteps = [5, 300, 999], labels = [0, 2, 1]
        let conditional = try unet(x, timesteps: timesteps, classLabels: labels).scalars
        let unconditional = try unet(x, timesteps: timesteps, classLabels: [nullClass, nullClass, nullClass]).scalars
        XCTAssertNotEqual(conditional, unconditional, "the class changes the prediction")

        let one = try ClassifierFreeGuidance(model: unet, scale: 1, classCount: classes, nullClass: nullClass)
        XCTAssertEqual(try one(x, timesteps: timesteps, classLabels: labels).scalars, conditional)
        let zero = try ClassifierFreeGuidance(model: unet, scale: 0, classCount: classes, nullClass: nullClass)
        XCTAssertEqual(try zero(x, timesteps: timesteps, classLabels: labels).scalars, unconditional)

        let three = try ClassifierFreeGuidance(model: unet, scale: 3, classCount: classes, nullClass: nullClass)
        let guided = try three(x, timesteps: timesteps, classLabels: labels)
        XCTAssertEqual(guided.shape, x.shape)
        let expected = zip(conditional, unconditional).map { Double($1) + 3 * Double($0 - $1) }
        for (value, target) in zip(guided.scalars, expected) {
            XCTAssertEqual(Double(value), target, accuracy: 1e-4 * max(1, abs(target)))
        }
    }

    /// Both branches go through one forward pass of twice the batch, the second half labelled null.
    func testBothBranchesShareOneBatchedForward() throws {
        let recorder = CallRecorder(try makeUNet())
        let guided = try ClassifierFreeGuidance(model: recorder, scale: 2, classCount: classes, nullClass: nullClass)
        _ = try guided(input(), timesteps: [10], classLabels: [2, 0, 1])
        XCTAssertEqual(recorder.calls.count, 1)
        XCTAssertEqual(recorder.calls.first?.batch, 6)
        XCTAssertEqual(recorder.calls.first?.labels ?? [], [2, 0, 1, 3, 3, 3])
    }

    /// With a learned variance only the first half of the channels is guided; the variance half is the conditional one.
    func testLearnedRangeGuidesOnlyTheMean() throws {
        let unet = try makeUNet(outputFactor: 2)
        let x = input(batch: 2)
        let timesteps = [40, 700], labels = [1, 2]
        let conditional = try unet(x, timesteps: timesteps, classLabels: labels)
        let unconditional = try unet(x, timesteps: timesteps, classLabels: [nullClass, nullClass])
        let guidance = try ClassifierFreeGuidance(
            model: unet, scale: 4, classCount: classes, nullClass: nullClass,
            variance: .learnedRange)
        let guided = try guidance(x, timesteps: timesteps, classLabels: labels)
        XCTAssertEqual(guided.shape, [2, 2, 8, 8])
        let perExample = 2 * 64
        for b in 0..<2 {
            for i in 0..<64 {
                let k = b * perExample + i
                let c = Double(conditional.scalars[k]), u = Double(unconditional.scalars[k])
                XCTAssertEqual(Double(guided.scalars[k]), u + 4 * (c - u), accuracy: 1e-4 * max(1, abs(u + 4 * (c - u))))
            }
            let variance = (b * perExample + 64)..<((b + 1) * perExample)
            XCTAssertEqual(Array(guided.scalars[variance]), Array(conditional.scalars[variance]))
        }
    }

    /// A negative, NaN or infinite scale and a label outside the real classes are refused with a message.
    func testBadScalesAndLabelsAreRefused() throws {
        let unet = try makeUNet()
        for scale in [-0.5, .nan, .infinity] {
            assertThrowsDiffusionError("guidance scale") {
                try ClassifierFreeGuidance(model: unet, scale: scale, classCount: classes, nullClass: nullClass)
            }
        }
        assertThrowsDiffusionError("null class") {
            try ClassifierFreeGuidance(model: unet, scale: 2, classCount: classes, nullClass: 1)
        }
        let guidance = try ClassifierFreeGuidance(model: unet, scale: 2, classCount: classes, nullClass: nullClass)
        let x = input()
        assertThrowsDiffusionError("class label = 7") { try guidance(x, timesteps: [1], classLabels: [0, 7, 1]) }
        assertThrowsDiffusionError("class label = 3") { try guidance(x, timesteps: [1], classLabels: [3, 0, 1]) }
        assertThrowsDiffusionError("class label = -1") { try guidance(x, timesteps: [1], classLabels: [-1, 0, 1]) }
        assertThrowsDiffusionError("class labels") { try guidance(x, timesteps: [1], classLabels: nil) }
        assertThrowsDiffusionError("one label per example") { try guidance(x, timesteps: [1], classLabels: [0]) }
    }

    /// Every sampler takes the guided model; at w = 1 it draws exactly what the plain conditional model draws.
    func testEverySamplerRunsGuidedAndMatchesConditionalAtWeightOne() throws {
        let unet = try makeUNet()
        let diffusion = GaussianDiffusion(schedule: try NoiseSchedule(.linear(), timesteps: 100))
        let samplers: [any Sampler] = [
            try DDPMSampler(respacing: diffusion, steps: 4),
            try DDIMSampler(diffusion: diffusion, steps: 4, spacing: .trailing, eta: 0),
            try DPMSolverPlusPlus(diffusion: diffusion, steps: 4),
        ]
        let labels = [2, 0]
        for sampler in samplers {
            var plainGenerator = RandomGenerator(seed: 5), guidedGenerator = RandomGenerator(seed: 5)
            let plain = try sampler.sample(model: unet, shape: [2, 1, 8, 8], classLabels: labels, generator: &plainGenerator)
            let one = try ClassifierFreeGuidance(model: unet, scale: 1, classCount: classes, nullClass: nullClass)
            let same = try sampler.sample(model: one, shape: [2, 1, 8, 8], classLabels: labels, generator: &guidedGenerator)
            XCTAssertEqual(same.scalars, plain.scalars, "\(type(of: sampler)) at w = 1")
            var generator = RandomGenerator(seed: 5)
            let three = try ClassifierFreeGuidance(model: unet, scale: 3, classCount: classes, nullClass: nullClass)
            let guided = try sampler.sample(model: three, shape: [2, 1, 8, 8], classLabels: labels, generator: &generator)
            XCTAssertTrue(guided.scalars.allSatisfy(\.isFinite))
            XCTAssertNotEqual(guided.scalars, plain.scalars, "\(type(of: sampler)) at w = 3")
        }
    }

    /// Guidance rescale: the guided output scaled per example by
    /// (1 − φ) + φ·std(ε_c)/std(ε̂) (torch.std, Bessel's correction), as diffusers' `rescale_noise_cfg`.
    func testGuidanceRescaleMatchesTheFormula() throws {
        let unet = try makeUNet()
        let x = input()
        let timesteps = [5, 300, 999], labels = [0, 2, 1]
        let conditional = try unet(x, timesteps: timesteps, classLabels: labels).scalars
        let plain = try ClassifierFreeGuidance(model: unet, scale: 4, classCount: classes, nullClass: nullClass)
        let guided = try plain(x, timesteps: timesteps, classLabels: labels).scalars
        let rescaled = try ClassifierFreeGuidance(model: unet, scale: 4, classCount: classes, nullClass: nullClass, rescale: 0.7)
        let output = try rescaled(x, timesteps: timesteps, classLabels: labels).scalars
        func std(_ v: ArraySlice<Float>) -> Double {
            let m = v.map(Double.init).reduce(0, +) / Double(v.count)
            return (v.map { (Double($0) - m) * (Double($0) - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
        }
        let size = 64
        for b in 0..<3 {
            let range = b * size..<(b + 1) * size
            let factor = 0.3 + 0.7 * std(conditional[range]) / std(guided[range])
            XCTAssertNotEqual(factor, 1, accuracy: 1e-3, "the test needs guidance that changes the spread")
            for i in range {
                XCTAssertEqual(Double(output[i]), Double(guided[i]) * factor, accuracy: 1e-5 * max(1, abs(Double(guided[i]))))
            }
        }
        XCTAssertThrowsError(try ClassifierFreeGuidance(model: unet, scale: 3, classCount: classes, nullClass: nullClass, rescale: 1.5))
    }
}
