import Foundation
import NN
import Tensors

/// What a trainer reports after each step.
public struct TrainingStepReport {
    /// Completed steps (1 after the first update).
    public let step: Int
    /// The steps the run is configured for.
    public let totalSteps: Int
    /// The batch's loss.
    public let loss: Float
    /// The learning rate of this step (after warmup and decay).
    public let learningRate: Float
    /// The global gradient norm before clipping.
    public let gradientNorm: Float
}

/// How a `Trainer.run` call ended.
public enum TrainingOutcome: Equatable {
    /// All configured steps are done and saved.
    case finished(step: Int)
    /// `shouldStop` returned true; the state at `step` is saved.
    case interrupted(step: Int)
}

/// The training loop (DDPM Algorithm 1 with Improved DDPM's options): for each
/// batch it draws t and ε, builds the loss, back-propagates, clips the global
/// gradient norm, takes an AdamW step at the warmup-scheduled learning rate and
/// updates the EMA of the weights.
///
/// It checkpoints atomically every `checkpointEvery` steps, at the end, and when
/// asked to stop. A checkpoint holds everything that decides the rest of the run
/// (weights, EMA, optimiser moments, step, random generator, data position), so
/// `resume()` followed by `run` gives bit-identical weights to a run that was
/// never interrupted. A non-finite loss or gradient stops the run before the
/// step changes anything, leaving the last checkpoint as it was.
public final class Trainer {
    /// The network being trained (its current, not averaged, weights).
    public let model: any DenoisingModel & Module
    /// The process the loss is taken in.
    public let diffusion: GaussianDiffusion
    /// The run's settings.
    public let configuration: TrainingConfiguration
    /// The folder of the training state and log (`<run>/training`).
    public let folder: URL
    /// Strings stored with every checkpoint (a description of the run).
    public var checkpointExtra: [String: String] = [:]
    /// The timestep sampler's loss history when `configuration.importanceSampling`.
    public private(set) var importance: ImportanceSampledTimesteps?
    /// Called after each checkpoint with the trainer (to export the EMA weights as a model folder).
    public var onCheckpoint: ((Trainer) throws -> Void)?

    /// Completed steps.
    public private(set) var step = 0
    /// The step of the last checkpoint written or loaded.
    public private(set) var checkpointStep: Int?
    /// The optimiser (AdamW at the scheduled learning rate).
    public let optimizer: AdamW
    /// The average at `configuration.emaDecay` (the weights a run exports).
    public let ema: ExponentialMovingAverage
    /// The averages at `configuration.additionalEMADecays`, in that order.
    public let additionalEMAs: [ExponentialMovingAverage]
    /// The processes the run is spread over (`SingleProcess` unless given).
    public let communicator: any TrainingCommunicator
    /// A hash of the training data, set by whoever built the loader, which
    /// processes of one run compare before they start.
    public var dataFingerprint = ""
    /// Sum the processes' gradients in rank order (bit-identical to one process
    /// accumulating as many micro-batches) rather than by the communicator's own reduction.
    public var orderedReduction = false
    private let schedule: LearningRateSchedule
    private var data: any TrainingBatchSource
    private var generator: RandomGenerator
    private var log: TrainingLog?
    private let parameters: [(path: String, tensor: Tensor)]

    /// Where the training state is written (`<folder>/state.safetensors`).
    public var checkpointURL: URL { folder.appendingPathComponent(TrainingCheckpoint.fileName) }
    /// Where the per-step log is written (`<folder>/log.jsonl`).
    public var logURL: URL { folder.appendingPathComponent(TrainingLog.fileName) }

    /// A trainer at step 0 with the model's current weights.
    ///
    /// - Throws: ``TrainingError/invalidSetting(name:value:accepted:)`` for a configuration that does not validate, or the optimiser's error for its settings.
    public init(
        model: any DenoisingModel & Module, diffusion: GaussianDiffusion, data: any TrainingBatchSource,
        configuration: TrainingConfiguration, folder: URL, communicator: any TrainingCommunicator = SingleProcess()
    ) throws {
        try configuration.validate()
        self.communicator = communicator
        self.model = model
        self.diffusion = diffusion
        self.data = data
        self.configuration = configuration
        self.folder = folder
        parameters = model.namedParameters()
        optimizer = try AdamW(
            parameters: parameters, learningRate: Float(configuration.learningRate),
            weightDecay: Float(configuration.weightDecay))
        ema = try ExponentialMovingAverage(
            parameters: parameters, decay: configuration.emaDecay,
            warmup: configuration.emaWarmup)
        let parameters = self.parameters
        additionalEMAs = try configuration.additionalEMADecays.map {
            try ExponentialMovingAverage(parameters: parameters, decay: $0, warmup: configuration.emaWarmup)
        }
        schedule = try configuration.learningRateDecay.schedule(
            baseRate: configuration.learningRate,
            warmupSteps: configuration.warmupSteps,
            totalSteps: configuration.steps)
        // The timestep/noise stream is independent of the streams that initialise weights or order data.
        generator = RandomGenerator(seed: configuration.seed).substream(0x7472_6169_6E)
        importance = configuration.importanceSampling ? ImportanceSampledTimesteps(timesteps: diffusion.schedule.count) : nil
    }

    /// The key of the importance sampler's loss history in a checkpoint's `extra`.
    public static let importanceKey = "importance_sampling"

    /// The current state as a checkpoint.
    public func makeCheckpoint() -> TrainingCheckpoint {
        var weights: [String: Tensor] = [:]
        for (path, tensor) in parameters { weights[path] = Tensor(shape: tensor.shape, scalars: tensor.scalars) }
        var extra = checkpointExtra
        if let importance, let data = try? JSONEncoder().encode(importance) {
            extra[Self.importanceKey] = String(decoding: data, as: UTF8.self)
        }
        return TrainingCheckpoint(
            step: step, configuration: configuration, modelWeights: weights, ema: ema.state(),
            additionalEMA: additionalEMAs.map { $0.state() },
            optimizer: optimizer.state(), generator: generator,
            dataPosition: data.checkpointPosition, extra: extra)
    }

    /// The folder of the numbered snapshots (`keepCheckpoints` > 0).
    public var snapshotsURL: URL { folder.appendingPathComponent("checkpoints") }

    /// Whether this process writes the checkpoints and the log (rank 0 of the run).
    public var isWriter: Bool { communicator.rank == 0 }

    /// Writes the checkpoint atomically (and, when snapshots are kept, a numbered
    /// copy, dropping the oldest beyond `keepCheckpoints`), then calls `onCheckpoint`.
    /// In a run over several processes only rank 0 writes; the others note the step.
    public func saveCheckpoint() throws {
        guard isWriter else {
            checkpointStep = step
            return
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let checkpoint = makeCheckpoint()
        try checkpoint.write(to: checkpointURL)
        if configuration.keepCheckpoints > 0 {
            try FileManager.default.createDirectory(at: snapshotsURL, withIntermediateDirectories: true)
            try checkpoint.write(to: snapshotsURL.appendingPathComponent(Self.snapshotName(step: step)))
            for old in try Self.snapshots(in: snapshotsURL).dropLast(configuration.keepCheckpoints) {
                try FileManager.default.removeItem(at: old.url)
            }
        }
        checkpointStep = step
        try onCheckpoint?(self)
    }

    /// `step-00001500.safetensors`.
    public static func snapshotName(step: Int) -> String {
        let digits = String(step)
        return "step-" + String(repeating: "0", count: Swift.max(0, 8 - digits.count)) + digits + ".safetensors"
    }

    /// The numbered snapshots in `folder`, oldest first (none when it does not exist).
    public static func snapshots(in folder: URL) throws -> [(step: Int, url: URL)] {
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).compactMap { name in
            guard name.hasPrefix("step-"), name.hasSuffix(".safetensors"),
                let step = Int(name.dropFirst(5).dropLast(12))
            else { return nil }
            return (step, folder.appendingPathComponent(name))
        }.sorted { $0.step < $1.step }
    }

    /// Restores the state saved in the training folder. Steps may differ from the
    /// saved run's (to train longer); every other setting must match.
    ///
    /// - Throws: what reading or restoring the checkpoint throws (``TrainingError`` for a file that is not a training state of this run).
    public func resume() throws {
        let checkpoint = try TrainingCheckpoint.read(from: checkpointURL)
        try restore(checkpoint, source: checkpointURL.path)
    }

    /// Restores a checkpoint's state into this trainer.
    ///
    /// - Throws: ``TrainingError/invalidState(file:problem:)`` when the checkpoint is not of this run (other weights, settings or data); the loading errors of the model, optimiser and averages.
    public func restore(_ checkpoint: TrainingCheckpoint, source: String) throws {
        var saved = checkpoint.configuration
        saved.steps = configuration.steps
        saved.checkpointEvery = configuration.checkpointEvery
        saved.keepCheckpoints = configuration.keepCheckpoints
        guard saved == configuration else {
            throw TrainingError.invalidState(
                file: source,
                problem: "it was trained with different settings (\(Self.differences(saved, configuration))); "
                    + "resume with the same settings or start a new run")
        }
        guard checkpoint.step <= configuration.steps else {
            throw TrainingError.invalidState(
                file: source, problem: "it is already at step \(checkpoint.step), past the \(configuration.steps) steps asked for")
        }
        guard checkpoint.additionalEMA.count == additionalEMAs.count else {
            throw TrainingError.invalidState(
                file: source,
                problem: "it holds \(checkpoint.additionalEMA.count) "
                    + "additional EMA averages, the settings ask for \(additionalEMAs.count)")
        }
        do {
            try model.load(stateDict: checkpoint.modelWeights)
            try optimizer.load(state: checkpoint.optimizer)
            try ema.load(state: checkpoint.ema)
            for (average, state) in zip(additionalEMAs, checkpoint.additionalEMA) { try average.load(state: state) }
            try data.restore(checkpointPosition: checkpoint.dataPosition)
        } catch {
            throw TrainingError.invalidState(file: source, problem: "it does not fit this model: \(error)")
        }
        if configuration.importanceSampling {
            guard let text = checkpoint.extra[Self.importanceKey],
                let state = try? JSONDecoder().decode(ImportanceSampledTimesteps.self, from: Data(text.utf8)),
                state.history.count == diffusion.schedule.count
            else {
                throw TrainingError.invalidState(
                    file: source,
                    problem: "it has no readable importance-sampling history "
                        + "(extra/\(Self.importanceKey)) for \(diffusion.schedule.count) timesteps")
            }
            importance = state
        }
        generator = checkpoint.generator
        step = checkpoint.step
        checkpointStep = checkpoint.step
    }

    /// Runs `body` with the (first) EMA weights in the model, in evaluation mode,
    /// then puts the trained weights and training mode back: what previews and
    /// sample-quality measurements during training draw from. Touches no random
    /// stream of the trainer, so a run with them gives the same bits as one without.
    public func withAveragedWeights<Result>(_ body: () throws -> Result) rethrows -> Result {
        model.setTraining(false)
        defer { model.setTraining(true) }
        return try ema.withAveragedParameters(body)
    }

    /// Runs until `configuration.steps` steps are done or `shouldStop()` is true
    /// (checked between steps). Appends one log line per step; `measureFID(step)`,
    /// called after each step, gives the sample FID to log with it, or nil.
    public func run(
        shouldStop: () -> Bool = { false },
        measureFID: (Int) -> Double? = { _ in nil },
        onStep: (TrainingStepReport) -> Void = { _ in }
    ) throws -> TrainingOutcome {
        if isWriter {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            if log == nil { log = try TrainingLog(url: logURL, continuingAfter: step) }
        }
        model.setTraining(true)
        defer { model.setTraining(false) }
        let start = Date()
        while step < configuration.steps {
            if try agreeToStop(shouldStop()) {
                if checkpointStep != step { try saveCheckpoint() }
                return .interrupted(step: step)
            }
            let report = try trainStep()
            var buckets = TimestepLossBuckets(timesteps: diffusion.schedule.count)
            buckets.record(losses: report.perExample, timesteps: report.timesteps)
            try log?.append(
                TrainingLogEntry(
                    step: step, loss: Double(report.loss), lossQuartiles: buckets.means,
                    learningRate: Double(report.learningRate), gradientNorm: Double(report.gradientNorm),
                    seconds: (Date().timeIntervalSince(start) * 1000).rounded() / 1000, fid: measureFID(step)))
            onStep(
                TrainingStepReport(
                    step: step, totalSteps: configuration.steps, loss: report.loss,
                    learningRate: report.learningRate, gradientNorm: report.gradientNorm))
            if step % configuration.checkpointEvery == 0 || step == configuration.steps {
                try saveCheckpoint()
            }
        }
        if checkpointStep != step { try saveCheckpoint() }
        return .finished(step: step)
    }

    /// Whether any process asks to stop (every process stops at the same step).
    private func agreeToStop(_ asked: Bool) throws -> Bool {
        guard communicator.size > 1 else { return asked }
        var votes: [Float] = [asked ? 1 : 0]
        try communicator.allReduceSum(&votes, ordered: false)
        return votes[0] > 0
    }

    /// One update; throws `TrainingError.nonFinite` before changing any weight.
    ///
    /// The global batch is split over the processes (rank r takes examples
    /// r·B/N ..< (r+1)·B/N) and each share into `accumulationSteps` micro-batches.
    /// Each micro-batch's loss is its examples' sum over B, so the gradients summed
    /// over micro-batches and processes are the gradient of the batch mean.
    private func trainStep() throws -> (
        loss: Float, perExample: [Float], timesteps: [Int], learningRate: Float,
        gradientNorm: Float
    ) {
        let batch = try data.nextTrainingBatch()
        let batchSize = batch.samples.shape.first ?? 0
        let parts = communicator.size * configuration.accumulationSteps
        guard batchSize % parts == 0 else {
            throw TrainingError.invalidSetting(
                name: "batch size", value: "\(batchSize)",
                accepted: "a multiple of the \(communicator.size) processes × \(configuration.accumulationSteps) micro-batches (\(parts))")
        }
        optimizer.zeroGrad()
        let whole = parts == 1
        let microBatch = batchSize / parts
        var gradients = whole ? nil : GradientSum(parameters: parameters.map(\.tensor))
        var lossParts: [Float] = [], perExample: [Float] = [], timesteps: [Float] = []
        let stepStream = generator.substream(UInt64(step))
        for micro in 0..<configuration.accumulationSteps {
            let start = (communicator.rank * configuration.accumulationSteps + micro) * microBatch
            let range = start..<(start + microBatch)
            let x0 = whole ? batch.samples : batch.samples.slice(axis: 0, range)
            let noise: TrainingNoise
            let labels: [Int]?
            switch configuration.noiseDraws {
            case .batchOrder:
                guard whole else {
                    throw TrainingError.invalidSetting(
                        name: "processes × micro-batches", value: "\(parts)",
                        accepted: "1 for a run whose noise is drawn in batch order (saved before per-example draws)")
                }
                labels = try trainingLabels(batch.labels, batch: batchSize) { self.generator.nextUniform() }
                noise = TrainingNoise(
                    batchShape: x0.shape, timestepCount: diffusion.schedule.count, options: configuration.lossOptions,
                    importance: importance, selfConditioned: model is SelfConditionedDenoiser, generator: &generator)
            case .perExample:
                var streams = range.map { stepStream.substream(UInt64($0)) }
                noise = TrainingNoise(
                    exampleShape: Array(x0.shape.dropFirst()), streams: &streams, timestepCount: diffusion.schedule.count,
                    options: configuration.lossOptions, importance: importance,
                    selfConditioned: model is SelfConditionedDenoiser, stepStream: stepStream)
                var index = 0
                labels = try trainingLabels(batch.labels.map { Array($0[range]) }, batch: microBatch) {
                    defer { index += 1 }
                    return streams[index].nextUniform()
                }
            }
            let loss = try diffusion.trainingLoss(
                model: model, x0: x0, kind: configuration.loss.kind, options: configuration.lossOptions,
                classLabels: labels, noise: noise)
            let objective = whole ? loss.loss : loss.loss * (Float(microBatch) / Float(batchSize))
            lossParts.append(objective.item)
            perExample += loss.perExample
            timesteps += loss.timesteps.map(Float.init)
            objective.backward()
            gradients?.addAndClear()
        }
        if var sum = gradients {
            if communicator.size > 1 { try communicator.allReduceSum(&sum.values, ordered: orderedReduction) }
            sum.storeAsGradients()
        }
        if communicator.size > 1 {
            lossParts = try communicator.allGather(lossParts)
            perExample = try communicator.allGather(perExample)
            timesteps = try communicator.allGather(timesteps)
        }
        let value = whole ? lossParts[0] : lossParts.reduce(0, +)
        guard value.isFinite else {
            throw TrainingError.nonFinite(quantity: "loss", step: step + 1, value: value, checkpointStep: checkpointStep)
        }
        let tensors = parameters.map(\.tensor)
        let norm = clipGradientNorm(tensors, maxNorm: configuration.gradientClip.map(Float.init) ?? .infinity)
        guard norm.isFinite else {
            throw TrainingError.nonFinite(
                quantity: "gradient norm", step: step + 1, value: norm,
                checkpointStep: checkpointStep)
        }
        let rate = schedule.rate(atStep: step)
        optimizer.learningRate = rate
        optimizer.step()
        ema.update()
        for average in additionalEMAs { average.update() }
        let allTimesteps = timesteps.map { Int($0) }
        importance?.record(timesteps: allTimesteps, losses: perExample)
        step += 1
        return (value, perExample, allTimesteps, rate, norm)
    }

    /// The labels the model sees: none for an unconditional run; otherwise the
    /// batch's labels, each replaced by the null class with probability
    /// `classDropout`, one uniform draw per example from `uniform` (the trainer's
    /// generator, or each example's stream).
    private func trainingLabels(_ labels: [Int]?, batch: Int, uniform: () -> Float) throws -> [Int]? {
        guard configuration.classConditional else { return nil }
        guard let labels, labels.count == batch else {
            throw TrainingError.invalidSetting(
                name: "class-conditional training data",
                value: labels == nil ? "no labels" : "\(labels?.count ?? 0) labels for \(batch) examples",
                accepted:
                    "one class label per example (bundled MNIST/digits, an IDX file with labels, or an image folder with one sub-folder per class)"
            )
        }
        guard configuration.classDropout > 0, let nullClass = configuration.nullClass else { return labels }
        let p = Float(configuration.classDropout)
        return labels.map { label in uniform() < p ? nullClass : label }
    }

    /// "learningRate 0.001 vs 0.0002, …" for the fields that differ.
    static func differences(_ a: TrainingConfiguration, _ b: TrainingConfiguration) -> String {
        let mirrorA = Mirror(reflecting: a), mirrorB = Mirror(reflecting: b)
        var parts: [String] = []
        for (childA, childB) in zip(mirrorA.children, mirrorB.children) {
            let valueA = "\(childA.value)", valueB = "\(childB.value)"
            if valueA != valueB { parts.append("\(childA.label ?? "?") \(valueA) saved vs \(valueB) now") }
        }
        return parts.joined(separator: ", ")
    }
}
