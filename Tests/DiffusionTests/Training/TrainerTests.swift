import Foundation
import NN
import Tensors
import XCTest
import Diffusion

/// A fixed set of points served in a seeded order; position = the next batch number.
private struct PointBatches: TrainingBatchSource {
    let points: Tensor
    let batchSize: Int
    var next = 0

    mutating func nextTrainingBatch() -> (samples: Tensor, labels: [Int]?) {
        var generator = RandomGenerator(seed: 99).substream(UInt64(next))
        let rows = (0..<batchSize).map { _ in generator.nextInt(below: points.shape[0]) }
        next += 1
        let width = points.shape[1]
        let values = rows.flatMap { Array(points.scalars[($0 * width)..<(($0 + 1) * width)]) }
        return (Tensor(shape: [batchSize, width], scalars: values), nil)
    }

    var checkpointPosition: [Int] { [next] }

    mutating func restore(checkpointPosition: [Int]) throws {
        guard checkpointPosition.count == 1, checkpointPosition[0] >= 0 else {
            throw TrainingError.invalidState(file: "test", problem: "bad position \(checkpointPosition)")
        }
        next = checkpointPosition[0]
    }
}

/// Seeded 4×4 one-channel images with labels 0..<3 (or without labels).
private struct LabelledBatches: TrainingBatchSource {
    let batchSize: Int
    var withLabels = true
    var next = 0

    mutating func nextTrainingBatch() -> (samples: Tensor, labels: [Int]?) {
        var generator = RandomGenerator(seed: 77).substream(UInt64(next))
        next += 1
        let labels = (0..<batchSize).map { _ in generator.nextInt(below: 3) }
        var values: [Float] = []
        for label in labels {
            for _ in 0..<16 { values.append(Float(label) - 1 + 0.1 * generator.nextNormal()) }
        }
        return (Tensor(shape: [batchSize, 1, 4, 4], scalars: values), withLabels ? labels : nil)
    }

    var checkpointPosition: [Int] { [next] }

    mutating func restore(checkpointPosition: [Int]) throws {
        guard checkpointPosition.count == 1 else {
            throw TrainingError.invalidState(file: "test", problem: "bad position \(checkpointPosition)")
        }
        next = checkpointPosition[0]
    }
}

/// A U-Net that remembers the labels of each training forward pass.
private final class LabelRecordingUNet: DenoisingModel, Module {
    let unet: UNet2DModel
    var seenLabels: [[Int]?] = []

    init(_ unet: UNet2DModel) { self.unet = unet }

    var children: [(name: String, module: any Module)] { [("unet", unet)] }

    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        seenLabels.append(classLabels)
        return try unet(x, timesteps: timesteps, classLabels: classLabels)
    }
}

final class TrainerTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func points(nan: Bool = false) -> Tensor {
        var generator = RandomGenerator(seed: 5)
        var values = generator.normals(64 * 2)
        if nan { values[7] = .nan }
        return Tensor(shape: [64, 2], scalars: values)
    }

    private func makeTrainer(
        steps: Int, folder: URL, checkpointEvery: Int = 100, loss: TrainingConfiguration.Loss = .simple,
        points: Tensor? = nil, timesteps: Int = 50,
        adjust: (inout TrainingConfiguration) -> Void = { _ in }
    ) throws -> Trainer {
        var generator = RandomGenerator(seed: 3)
        let variance: VarianceType = loss == .hybrid ? .learnedRange : .fixedSmall
        let model = try MLPDenoiser(
            config: MLPDenoiserConfig(
                hiddenWidth: 16, blocks: 1, timeEmbeddingDimension: 8,
                outputFactor: variance.outputChannelFactor),
            generator: &generator)
        let diffusion = GaussianDiffusion(schedule: try NoiseSchedule(.linear(), timesteps: timesteps), variance: variance)
        var configuration = TrainingConfiguration(
            steps: steps, learningRate: 1e-2, warmupSteps: 2, gradientClip: 0.5,
            emaDecay: 0.9, loss: loss, seed: 11, checkpointEvery: checkpointEvery)
        adjust(&configuration)
        return try Trainer(
            model: model, diffusion: diffusion,
            data: PointBatches(points: points ?? self.points(), batchSize: 8),
            configuration: configuration, folder: folder)
    }

    private func weights(_ trainer: Trainer) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: trainer.model.namedParameters().map { ($0.path, $0.tensor.scalars) })
    }

    /// Two micro-batches draw the same timesteps as the whole batch and give the
    /// same losses to rounding; a run saved before per-example draws continues in
    /// batch order and refuses micro-batches.
    func testMicroBatchesDrawWhatTheWholeBatchDraws() throws {
        let whole = try makeTrainer(steps: 3, folder: folder.appendingPathComponent("whole"))
        let split = try makeTrainer(steps: 3, folder: folder.appendingPathComponent("split")) { $0.accumulationSteps = 2 }
        XCTAssertEqual(try whole.run(), .finished(step: 3))
        XCTAssertEqual(try split.run(), .finished(step: 3))
        let a = try TrainingLog.read(url: whole.logURL), b = try TrainingLog.read(url: split.logURL)
        XCTAssertEqual(a.map(\.lossQuartiles.count), b.map(\.lossQuartiles.count))
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.loss, y.loss, accuracy: 1e-5 * x.loss)
            XCTAssertEqual(x.gradientNorm, y.gradientNorm, accuracy: 1e-4 * x.gradientNorm)
        }
        for (x, y) in zip(weights(whole).values.sorted { $0.count < $1.count }, weights(split).values.sorted { $0.count < $1.count }) {
            for (p, q) in zip(x, y) { XCTAssertEqual(p, q, accuracy: 1e-4) }
        }

        XCTAssertThrowsError(
            try makeTrainer(steps: 2, folder: folder.appendingPathComponent("old")) {
                $0.noiseDraws = .batchOrder
                $0.accumulationSteps = 2
            }
        ) { XCTAssertTrue("\($0)".contains("batch order"), "\($0)") }
        let old = try makeTrainer(steps: 2, folder: folder.appendingPathComponent("old")) { $0.noiseDraws = .batchOrder }
        XCTAssertEqual(try old.run(), .finished(step: 2))
    }

    /// 6 steps in one go equal 3 steps, a checkpoint, a fresh trainer resumed from it, and 3 more — bit for bit,
    /// for the weights, the EMA, the optimiser state and the log.
    func testResumeIsBitIdentical() throws {
        for loss in TrainingConfiguration.Loss.allCases {
            let straightFolder = folder.appendingPathComponent("straight-\(loss)")
            let straight = try makeTrainer(steps: 6, folder: straightFolder, loss: loss)
            XCTAssertEqual(try straight.run(), .finished(step: 6))

            let splitFolder = folder.appendingPathComponent("split-\(loss)")
            let first = try makeTrainer(steps: 6, folder: splitFolder, loss: loss)
            var calls = 0
            XCTAssertEqual(
                try first.run(shouldStop: {
                    calls += 1; return calls > 3
                }), .interrupted(step: 3))
            let second = try makeTrainer(steps: 6, folder: splitFolder, loss: loss)
            try second.resume()
            XCTAssertEqual(second.step, 3)
            XCTAssertEqual(try second.run(), .finished(step: 6))

            XCTAssertEqual(weights(straight), weights(second), "weights after resume (\(loss))")
            XCTAssertEqual(straight.ema.state(), second.ema.state(), "EMA after resume (\(loss))")
            XCTAssertEqual(straight.optimizer.state(), second.optimizer.state(), "optimiser after resume (\(loss))")
            XCTAssertNotEqual(
                weights(straight), weights(try makeTrainer(steps: 6, folder: folder, loss: loss)),
                "training changed the weights")
            let strip = { (entries: [TrainingLogEntry]) in
                entries.map { entry -> TrainingLogEntry in
                    var copy = entry
                    copy.seconds = 0
                    return copy
                }
            }
            XCTAssertEqual(strip(try TrainingLog.read(url: straight.logURL)), strip(try TrainingLog.read(url: second.logURL)))
            XCTAssertEqual(try TrainingLog.read(url: second.logURL).map(\.step), Array(1...6))
        }
    }

    /// Every training option of issue 23 at once: resume stays bit-identical, and the options change the run.
    func testResumeWithEveryTrainingOptionIsBitIdentical() throws {
        let options: (inout TrainingConfiguration) -> Void = {
            $0.lossOptions = TrainingLossOptions(weighting: .minSNR(gamma: 5), offsetNoise: 0.1, inputPerturbation: 0.1)
            $0.learningRateDecay = .cosine(cycles: 2)
            $0.emaWarmup = .power(inverseGamma: 1, power: 0.75)
        }
        let straight = try makeTrainer(steps: 6, folder: folder.appendingPathComponent("straight"), adjust: options)
        XCTAssertEqual(try straight.run(), .finished(step: 6))
        let splitFolder = folder.appendingPathComponent("split")
        var calls = 0
        XCTAssertEqual(
            try makeTrainer(steps: 6, folder: splitFolder, adjust: options)
                .run(shouldStop: {
                    calls += 1; return calls > 3
                }), .interrupted(step: 3))
        let second = try makeTrainer(steps: 6, folder: splitFolder, adjust: options)
        try second.resume()
        XCTAssertEqual(try second.run(), .finished(step: 6))
        XCTAssertEqual(weights(straight), weights(second))
        XCTAssertEqual(straight.ema.state(), second.ema.state())
        let plain = try makeTrainer(steps: 6, folder: folder.appendingPathComponent("plain"))
        XCTAssertEqual(try plain.run(), .finished(step: 6))
        XCTAssertNotEqual(weights(plain), weights(straight), "the options change training")
        // A run saved with options refuses to resume without them, naming what differs.
        XCTAssertThrowsError(try makeTrainer(steps: 6, folder: splitFolder).resume()) { error in
            XCTAssertTrue("\(error)".contains("lossOptions"), "\(error)")
        }
    }

    /// Importance-sampled timesteps (T = 4, so the history fills in 5 steps of 8): a run split after the
    /// warm-up resumes bit for bit, its history included, and the sampler changes training.
    func testImportanceSampledResumeIsBitIdentical() throws {
        let on: (inout TrainingConfiguration) -> Void = { $0.importanceSampling = true }
        let straight = try makeTrainer(
            steps: 12, folder: folder.appendingPathComponent("straight"), loss: .hybrid, timesteps: 4, adjust: on)
        XCTAssertEqual(try straight.run(), .finished(step: 12))
        XCTAssertEqual(straight.importance?.isWarmedUp, true)
        let splitFolder = folder.appendingPathComponent("split")
        var calls = 0
        XCTAssertEqual(
            try makeTrainer(steps: 12, folder: splitFolder, loss: .hybrid, timesteps: 4, adjust: on)
                .run(shouldStop: {
                    calls += 1; return calls > 8
                }), .interrupted(step: 8))
        let second = try makeTrainer(steps: 12, folder: splitFolder, loss: .hybrid, timesteps: 4, adjust: on)
        try second.resume()
        XCTAssertEqual(second.importance?.isWarmedUp, true, "the history comes back from the checkpoint")
        XCTAssertEqual(try second.run(), .finished(step: 12))
        XCTAssertEqual(weights(straight), weights(second))
        XCTAssertEqual(straight.importance, second.importance)
        let uniform = try makeTrainer(steps: 12, folder: folder.appendingPathComponent("uniform"), loss: .hybrid, timesteps: 4)
        XCTAssertEqual(try uniform.run(), .finished(step: 12))
        XCTAssertNotEqual(weights(uniform), weights(straight), "importance sampling changes training")
    }

    /// Several EMA rates at once: each average equals the one a run with that single rate keeps, and all of them
    /// survive a checkpoint and resume bit for bit.
    func testAdditionalEMARatesAreIndependentAveragesAndResume() throws {
        let rates: (inout TrainingConfiguration) -> Void = {
            $0.emaWarmup = .power(inverseGamma: 1, power: 0.75)
            $0.additionalEMADecays = [0.99, 0.5]
        }
        let straight = try makeTrainer(steps: 6, folder: folder.appendingPathComponent("straight"), adjust: rates)
        XCTAssertEqual(try straight.run(), .finished(step: 6))
        XCTAssertEqual(straight.additionalEMAs.map(\.decay), [0.99, 0.5])
        for (index, rate) in [0.99, 0.5].enumerated() {
            let single = try makeTrainer(steps: 6, folder: folder.appendingPathComponent("single-\(rate)")) {
                $0.emaWarmup = .power(inverseGamma: 1, power: 0.75)
                $0.emaDecay = rate
            }
            XCTAssertEqual(try single.run(), .finished(step: 6))
            XCTAssertEqual(weights(single), weights(straight), "extra averages do not change training")
            XCTAssertEqual(single.ema.state(), straight.additionalEMAs[index].state(), "rate \(rate)")
        }
        XCTAssertNotEqual(straight.additionalEMAs[0].state(), straight.additionalEMAs[1].state())

        let splitFolder = folder.appendingPathComponent("split")
        var calls = 0
        XCTAssertEqual(
            try makeTrainer(steps: 6, folder: splitFolder, adjust: rates)
                .run(shouldStop: {
                    calls += 1; return calls > 3
                }), .interrupted(step: 3))
        let saved = try TrainingCheckpoint.read(from: splitFolder.appendingPathComponent(TrainingCheckpoint.fileName))
        XCTAssertEqual(saved.additionalEMA.count, 2)
        XCTAssertEqual(saved.additionalEMA.map(\.updateCount), [3, 3])
        let second = try makeTrainer(steps: 6, folder: splitFolder, adjust: rates)
        try second.resume()
        XCTAssertEqual(try second.run(), .finished(step: 6))
        XCTAssertEqual(weights(straight), weights(second))
        XCTAssertEqual(straight.ema.state(), second.ema.state())
        XCTAssertEqual(straight.additionalEMAs.map { $0.state() }, second.additionalEMAs.map { $0.state() })

        // A run saved with other rates refuses to resume, naming the setting.
        XCTAssertThrowsError(try makeTrainer(steps: 6, folder: splitFolder) { $0.additionalEMADecays = [0.99] }.resume()) {
            XCTAssertTrue("\($0)".contains("additionalEMADecays"), "\($0)")
        }
        // The same rate twice, or a rate outside [0, 1), is refused.
        for bad in [[0.9], [1.0], [-0.1]] {
            XCTAssertThrowsError(try makeTrainer(steps: 6, folder: folder) { $0.additionalEMADecays = bad }) {
                XCTAssertTrue("\($0)".contains("EMA decay"), "\($0)")
            }
        }
    }

    /// Options at their defaults are not written, so old configurations compare and encode as before;
    /// set ones round-trip.
    func testTrainingOptionsAreWrittenOnlyWhenSet() throws {
        let plain = try TrainingConfiguration(steps: 10).jsonData()
        for key in [
            "lossWeighting", "offsetNoise", "inputPerturbation", "learningRateDecay", "emaWarmup", "keepCheckpoints",
            "importanceSampling", "additionalEMADecays",
        ] {
            XCTAssertFalse(String(decoding: plain, as: UTF8.self).contains(key), key)
        }
        var configuration = TrainingConfiguration(steps: 10, warmupSteps: 2)
        configuration.lossOptions = TrainingLossOptions(weighting: .softMinSNR(gamma: 3), offsetNoise: 0.05)
        configuration.learningRateDecay = .polynomial(power: 2, endRate: 1e-6)
        configuration.emaWarmup = .power(inverseGamma: 1, power: 2.0 / 3)
        XCTAssertEqual(try JSONDecoder().decode(TrainingConfiguration.self, from: try configuration.jsonData()), configuration)
        configuration.lossOptions.offsetNoise = -1
        XCTAssertThrowsError(try configuration.validate()) { XCTAssertTrue("\($0)".contains("offset noise"), "\($0)") }
    }

    /// A class-conditional U-Net (3 classes and null class 3) trained with label dropout p.
    private func makeConditionalTrainer(
        steps: Int, folder: URL, dropout: Double = 0.3, withLabels: Bool = true
    )
        throws -> (Trainer, LabelRecordingUNet)
    {
        var generator = RandomGenerator(seed: 4)
        let config = UNetConfig(
            sampleSize: 4, inChannels: 1, outChannels: 1, blockOutChannels: [8, 8], layersPerBlock: 1,
            downBlockTypes: [.plain, .plain], upBlockTypes: [.plain, .plain], attentionHeadDim: nil,
            normNumGroups: 4, numClassEmbeds: 4)
        let model = LabelRecordingUNet(try UNet2DModel(config: config, generator: &generator))
        let configuration = TrainingConfiguration(
            steps: steps, learningRate: 1e-2, warmupSteps: 1, gradientClip: 1,
            emaDecay: 0.9, seed: 13, checkpointEvery: 100, classConditional: true,
            classDropout: dropout, nullClass: 3)
        let trainer = try Trainer(
            model: model, diffusion: GaussianDiffusion(schedule: try NoiseSchedule(.linear(), timesteps: 50)),
            data: LabelledBatches(batchSize: 4, withLabels: withLabels),
            configuration: configuration, folder: folder)
        return (trainer, model)
    }

    /// Conditional training with label dropout resumes bit for bit too, and the resumed run drops the same labels.
    func testConditionalResumeWithLabelDropoutIsBitIdentical() throws {
        let (straight, straightModel) = try makeConditionalTrainer(steps: 6, folder: folder.appendingPathComponent("straight"))
        XCTAssertEqual(try straight.run(), .finished(step: 6))
        let splitFolder = folder.appendingPathComponent("split")
        let (first, firstModel) = try makeConditionalTrainer(steps: 6, folder: splitFolder)
        var calls = 0
        XCTAssertEqual(
            try first.run(shouldStop: {
                calls += 1; return calls > 3
            }), .interrupted(step: 3))
        let (second, secondModel) = try makeConditionalTrainer(steps: 6, folder: splitFolder)
        try second.resume()
        XCTAssertEqual(try second.run(), .finished(step: 6))

        XCTAssertEqual(weights(straight), weights(second))
        XCTAssertEqual(straight.ema.state(), second.ema.state())
        XCTAssertEqual(straight.optimizer.state(), second.optimizer.state())
        XCTAssertEqual(straightModel.seenLabels.map { $0 ?? [] }, (firstModel.seenLabels + secondModel.seenLabels).map { $0 ?? [] })
        XCTAssertTrue(straightModel.seenLabels.allSatisfy { $0?.count == 4 })
    }

    /// Each label becomes the null class with probability p: never at p = 0, always at p = 1, about p·n times between.
    func testLabelDropoutReplacesLabelsWithTheNullClass() throws {
        func nullFraction(_ dropout: Double, steps: Int) throws -> Double {
            let (trainer, model) = try makeConditionalTrainer(
                steps: steps, folder: folder.appendingPathComponent("p\(dropout)"),
                dropout: dropout)
            _ = try trainer.run()
            let labels = model.seenLabels.flatMap { $0 ?? [] }
            XCTAssertEqual(labels.count, 4 * steps)
            XCTAssertTrue(labels.allSatisfy { (0...3).contains($0) })
            return Double(labels.filter { $0 == 3 }.count) / Double(labels.count)
        }
        XCTAssertEqual(try nullFraction(0, steps: 5), 0)
        XCTAssertEqual(try nullFraction(1, steps: 5), 1)
        let half = try nullFraction(0.5, steps: 25)
        XCTAssertGreaterThan(half, 0.3)
        XCTAssertLessThan(half, 0.7)
    }

    /// Conditional training on data without labels, or with dropout but no null class, is refused with a message.
    func testConditionalTrainingNeedsLabelsAndANullClass() throws {
        let (trainer, _) = try makeConditionalTrainer(steps: 2, folder: folder, withLabels: false)
        XCTAssertThrowsError(try trainer.run()) { XCTAssertTrue("\($0)".contains("no labels"), "\($0)") }
        let noNull = TrainingConfiguration(steps: 2, classConditional: true, classDropout: 0.1)
        XCTAssertThrowsError(try noNull.validate()) { XCTAssertTrue("\($0)".contains("null class"), "\($0)") }
        let unconditional = TrainingConfiguration(steps: 2, classDropout: 0.1, nullClass: 3)
        XCTAssertThrowsError(try unconditional.validate()) { XCTAssertTrue("\($0)".contains("class dropout"), "\($0)") }
        let tooLarge = TrainingConfiguration(steps: 2, classConditional: true, classDropout: 1.5, nullClass: 3)
        XCTAssertThrowsError(try tooLarge.validate()) { XCTAssertTrue("\($0)".contains("[0, 1]"), "\($0)") }
    }

    /// A checkpoint written before label dropout existed (no classDropout / nullClass keys) still reads, as p = 0.
    func testConfigurationWithoutDropoutKeysDecodes() throws {
        let old =
            #"{"checkpointEvery":5,"classConditional":false,"emaDecay":0.9,"gradientClip":1,"learningRate":0.001,"loss":"simple","seed":3,"steps":10,"warmupSteps":0,"weightDecay":0}"#
        let configuration = try JSONDecoder().decode(TrainingConfiguration.self, from: Data(old.utf8))
        XCTAssertEqual(configuration.classDropout, 0)
        XCTAssertNil(configuration.nullClass)
        XCTAssertEqual(configuration.noiseDraws, .batchOrder, "an old run keeps drawing as it began")
        var expected = TrainingConfiguration(
            steps: 10, learningRate: 0.001, gradientClip: 1, emaDecay: 0.9,
            seed: 3, checkpointEvery: 5)
        expected.noiseDraws = .batchOrder
        XCTAssertEqual(configuration, expected)
        let round = try JSONDecoder().decode(
            TrainingConfiguration.self,
            from: try TrainingConfiguration(
                steps: 3, classConditional: true, classDropout: 0.2, nullClass: 10
            ).jsonData())
        XCTAssertEqual(round.classDropout, 0.2)
        XCTAssertEqual(round.nullClass, 10)
    }

    /// The checkpoint file round-trips every part exactly.
    func testCheckpointRoundTrip() throws {
        let trainer = try makeTrainer(steps: 4, folder: folder)
        _ = try trainer.run()
        let saved = trainer.makeCheckpoint()
        let loaded = try TrainingCheckpoint.read(from: trainer.checkpointURL)
        XCTAssertEqual(loaded.step, 4)
        XCTAssertEqual(loaded.configuration, saved.configuration)
        XCTAssertEqual(loaded.generator, saved.generator)
        XCTAssertEqual(loaded.dataPosition, [4])
        XCTAssertEqual(loaded.ema, saved.ema)
        XCTAssertEqual(loaded.optimizer, saved.optimizer)
        XCTAssertEqual(loaded.modelWeights.mapValues(\.scalars), saved.modelWeights.mapValues(\.scalars))
    }

    /// The loss with default options draws and computes exactly what the plain loss does (the trainer
    /// always takes the options path).
    func testDefaultOptionsGiveThePlainLossBitForBit() throws {
        var generator = RandomGenerator(seed: 3)
        let model = try MLPDenoiser(
            config: MLPDenoiserConfig(hiddenWidth: 16, blocks: 1, timeEmbeddingDimension: 8),
            generator: &generator)
        let diffusion = GaussianDiffusion(schedule: try NoiseSchedule(.linear(), timesteps: 50))
        let x0 = points()
        var plain = RandomGenerator(seed: 9), optioned = RandomGenerator(seed: 9)
        let a = try diffusion.trainingLoss(model: model, x0: x0, generator: &plain)
        let b = try diffusion.trainingLoss(model: model, x0: x0, options: TrainingLossOptions(), generator: &optioned)
        XCTAssertEqual(a.loss.item, b.loss.item)
        XCTAssertEqual(a.perExample, b.perExample)
        XCTAssertEqual(a.timesteps, b.timesteps)
        XCTAssertEqual(plain, optioned, "the same draws")
    }

    /// A checkpoint whose additional averages do not match its settings is refused, naming what is wrong.
    func testCheckpointsWithMismatchedAdditionalAveragesAreRefused() throws {
        let rates: (inout TrainingConfiguration) -> Void = { $0.additionalEMADecays = [0.5] }
        let trainer = try makeTrainer(steps: 2, folder: folder, adjust: rates)
        _ = try trainer.run()
        var checkpoint = trainer.makeCheckpoint()
        checkpoint.additionalEMA = []
        XCTAssertThrowsError(try makeTrainer(steps: 2, folder: folder, adjust: rates).restore(checkpoint, source: "test")) {
            XCTAssertTrue("\($0)".contains("0 additional EMA averages, the settings ask for 1"), "\($0)")
        }
        let file = try SafetensorsFile(data: try trainer.makeCheckpoint().encoded())
        var metadata = file.metadata
        metadata["ema1_update_count"] = nil
        let damaged = try SafetensorsWriter.encode(try file.tensors(), metadata: metadata)
        XCTAssertThrowsError(try TrainingCheckpoint.decode(damaged)) {
            XCTAssertTrue("\($0)".contains("ema1_update_count"), "\($0)")
        }
        var extra = try file.tensors()
        extra["ema2/x"] = Tensor(shape: [1], scalars: [0])
        XCTAssertThrowsError(try TrainingCheckpoint.decode(try SafetensorsWriter.encode(extra, metadata: file.metadata))) {
            XCTAssertTrue("\($0)".contains("unexpected tensor 'ema2/x'"), "\($0)")
        }
    }

    /// A NaN in the data stops training with the step named and leaves the last checkpoint as it was.
    func testNonFiniteLossStopsAndKeepsCheckpoint() throws {
        let clean = try makeTrainer(steps: 2, folder: folder, checkpointEvery: 1)
        _ = try clean.run()
        let before = try Data(contentsOf: clean.checkpointURL)
        let poisoned = try makeTrainer(steps: 50, folder: folder, checkpointEvery: 1, points: points(nan: true))
        try poisoned.resume()
        XCTAssertThrowsError(try poisoned.run()) { error in
            guard case let TrainingError.nonFinite(quantity, step, _, checkpointStep) = error else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(quantity, "loss")
            XCTAssertGreaterThan(step, 2)
            XCTAssertEqual(checkpointStep, step - 1)
            XCTAssertTrue("\(error)".contains("step \(step)"))
        }
        let after = try TrainingCheckpoint.read(from: poisoned.checkpointURL)
        XCTAssertTrue(after.modelWeights.values.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
        XCTAssertGreaterThanOrEqual(after.step, 2)
        XCTAssertNotEqual(before.count, 0)
    }

    /// Resuming with other settings, or from a file that is not a training state, is refused with a message.
    func testResumeRefusesMismatchAndGarbage() throws {
        _ = try makeTrainer(steps: 2, folder: folder).run()
        var generator = RandomGenerator(seed: 3)
        let model = try MLPDenoiser(
            config: MLPDenoiserConfig(hiddenWidth: 16, blocks: 1, timeEmbeddingDimension: 8),
            generator: &generator)
        let other = try Trainer(
            model: model, diffusion: GaussianDiffusion(schedule: try NoiseSchedule(.linear(), timesteps: 50)),
            data: PointBatches(points: points(), batchSize: 8),
            configuration: TrainingConfiguration(steps: 4, learningRate: 0.5, seed: 11),
            folder: folder)
        XCTAssertThrowsError(try other.resume()) { XCTAssertTrue("\($0)".contains("learningRate"), "\($0)") }
        XCTAssertThrowsError(try TrainingCheckpoint.decode(Data("not a checkpoint".utf8))) {
            XCTAssertTrue("\($0)".contains("not a readable training state"), "\($0)")
        }
        let wrongFormat = try SafetensorsWriter.encode(["x": Tensor([1])], metadata: ["format": "pt"])
        XCTAssertThrowsError(try TrainingCheckpoint.decode(wrongFormat)) {
            XCTAssertTrue("\($0)".contains("not a training state"), "\($0)")
        }
    }
}
