import ArgumentParser
import Datasets
import Diffusion
import DistributedTraining
import FileSupport
import Foundation
import NN
import Pipelines
import Tensors

/// `ddpm train`: trains a U-Net on images (or an MLP on a 2-D toy distribution)
/// and writes a diffusers-layout model folder with the EMA weights, plus its
/// training state in `training/` for `--resume`.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a diffusion model; writes a diffusers-layout model folder.",
        discussion: """
            Checkpoints go to OUT/training/state.safetensors every --checkpoint-every steps, at the end and on \
            Ctrl-C; OUT/training/log.jsonl has one line per step. --resume continues a run bit for bit \
            (only --steps and --checkpoint-every may be given again).
            """)

    static let predictionNames = ["eps": PredictionType.epsilon, "x0": .sample, "v": .velocity]

    @Option(help: "mnist, digits, toy:NAME (two-moons, eight-gaussians, swiss-roll, checkerboard), a PNG folder or an IDX file.")
    var data: String?

    @Option(name: .customLong("model-config"), help: "A config.json for the network (UNet2DModel or MLPDenoiser).")
    var modelConfig: String?

    @Option(help: "A named network: \(UNetConfig.presetNames.joined(separator: ", ")) (default: by data).")
    var preset: String?

    @Option(help: "Optimiser steps in all (default 2000).")
    var steps: Int?

    @Option(name: .customLong("batch-size"), help: "Examples per step (default 32; 256 for toy data).")
    var batchSize: Int?

    @Option(help: "AdamW learning rate (default 5e-4).")
    var lr: Double?

    @Option(help: "Linear warmup steps (default 100).")
    var warmup: Int?

    @Option(
        name: .customLong("ema-decay"),
        help: ArgumentHelp(
            "EMA decay in [0, 1) (default 0.999), or several, comma-separated (0.999,0.9999).",
            discussion: "The first rate's weights go to OUT; each further rate R gets its own model folder OUT/ema-R."))
    var emaDecay: String?

    /// The rates of `--ema-decay`, first the one exported to OUT.
    var emaDecays: [Double]? {
        get throws {
            guard let emaDecay else { return nil }
            let parts = emaDecay.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let rates = try parts.map { part -> Double in
                guard let rate = Double(part) else {
                    throw ValidationError(
                        "--ema-decay \(emaDecay): '\(part)' is not a number; give rates in [0, 1), "
                            + "comma-separated (e.g. 0.999,0.9999)")
                }
                try Check.finite(rate, flag: "--ema-decay", atLeast: 0, below: 1)
                return rate
            }
            guard Set(rates).count == rates.count else {
                throw ValidationError("--ema-decay \(emaDecay): each rate may be given once")
            }
            return rates
        }
    }

    @Option(help: "Noise schedule: linear or cosine (default linear).")
    var schedule: String?

    @Option(help: "Diffusion steps T (default 1000).")
    var timesteps: Int?

    @Option(help: "What the network predicts: eps, x0 or v (default eps).")
    var prediction: String?

    @Option(help: "Reverse-process variance: fixed_small, fixed_large or learned_range (default fixed_small).")
    var variance: String?

    @Option(help: "simple or hybrid (default simple; learned_range needs hybrid).")
    var loss: String?

    @Option(name: .customLong("grad-clip"), help: "Largest global gradient norm (default 1).")
    var gradClip: Double?

    @Option(name: .customLong("weight-decay"), help: "AdamW weight decay (default 0).")
    var weightDecay: Double?

    @Flag(help: "Mirror training images left–right at random.")
    var flip = false

    @Option(name: .customLong("image-size"), help: "Resize / centre-crop folder images to this size.")
    var imageSize: Int?

    @Flag(
        help: ArgumentHelp(
            "Decode a folder's images batch by batch (the next batch in the background) instead of all at the start.",
            discussion: "For folders larger than memory: the same batches in the same order, so the same bits, as without it."))
    var stream = false

    @Option(help: "Seed of weights, data order, timesteps and noise (default 0).")
    var seed: UInt64?

    @Option(help: "The output model folder.")
    var out = "model"

    @Option(name: .customLong("checkpoint-every"), help: "Steps between checkpoints (default 500).")
    var checkpointEvery: Int?

    @Flag(
        help:
            "Train a class-conditional U-Net on the data's labels (sub-folder names for an image folder), with a null class for classifier-free guidance."
    )
    var conditional = false

    @Option(
        name: .customLong("class-dropout"), help: "With --conditional: probability of replacing a label by the null class (default 0.1).")
    var classDropout: Double?

    @Flag(
        help: ArgumentHelp(
            "Continue the run saved in --out: '--resume' or '--resume latest' from its newest state, "
                + "'--resume PATH' from a numbered snapshot (training/checkpoints/step-….safetensors).",
            discussion: "From a snapshot the run goes on from that step: the log is cut back to it and later "
                + "snapshots are replaced as the run reaches their steps again."))
    var resume = false

    @Option(name: .customLong("resume-from"), help: ArgumentHelp("The snapshot '--resume PATH' names.", visibility: .private))
    var resumeFrom: String?

    @Option(
        name: .customLong("sample-every"),
        help: ArgumentHelp(
            "Every N steps, draw a grid from the EMA weights (fixed seed, DPM-Solver++ 20 steps) into OUT/samples/step-….png.",
            discussion: "It does not change the run: the same bits with or without it. May be given with --resume."))
    var sampleEvery: Int?

    @Option(name: .customLong("sample-n"), help: "Images in each --sample-every grid (default 64).")
    var sampleCount: Int?

    @Option(
        name: .customLong("fid-every"),
        help: ArgumentHelp(
            "Every N steps, the FID of --fid-n samples from the EMA weights against the training images, into log.jsonl and loss.svg.",
            discussion: "Samples as --sample-every draws them (fixed seed), features from --features (default mnist). "
                + "The training images' statistics are computed once and cached. It does not change the run's bits. "
                + "May be given with --resume."))
    var fidEvery: Int?

    @Option(name: .customLong("fid-n"), help: "Samples of each --fid-every FID (default 500).")
    var fidCount: Int?

    @OptionGroup(title: "FID features") var featureFlags: FeatureFlags

    @Option(
        help: ArgumentHelp(
            "Micro-batches per optimiser step (default 1): the batch's gradients are summed over K parts.",
            discussion: "For memory, and the one-process twin of K MPI processes: mpirun -np 2 and --accumulate 2 "
                + "train the same bits. --batch-size must be a multiple of K (times the processes)."))
    var accumulate: Int?

    @Flag(
        name: .customLong("exact-reduction"),
        help: ArgumentHelp(
            "Under mpirun: sum the processes' gradients in rank order, bit-identical to one process with --accumulate N.",
            discussion: "Gathers every process's gradients (N times the traffic of MPI_Allreduce). Without it two "
                + "processes are still bit-identical to --accumulate 2; more agree to rounding. May be given with --resume."))
    var exactReduction = false

    @Option(
        name: .customLong("keep-checkpoints"),
        help: ArgumentHelp(
            "Also keep the newest N checkpoints as numbered snapshots in OUT/training/checkpoints (default 0: only the rolling state).",
            discussion: "May be changed with --resume."))
    var keepCheckpoints: Int?

    @OptionGroup(title: "Training options") var options: TrainingOptionFlags

    /// Flags that fix the run and so may not be given with --resume.
    var runDefiningFlags: [(String, Bool)] {
        [
            ("--data", data != nil), ("--model-config", modelConfig != nil), ("--preset", preset != nil),
            ("--batch-size", batchSize != nil), ("--lr", lr != nil), ("--warmup", warmup != nil),
            ("--ema-decay", emaDecay != nil), ("--schedule", schedule != nil), ("--timesteps", timesteps != nil),
            ("--prediction", prediction != nil), ("--variance", variance != nil), ("--loss", loss != nil),
            ("--grad-clip", gradClip != nil), ("--weight-decay", weightDecay != nil), ("--flip", flip),
            ("--image-size", imageSize != nil), ("--stream", stream), ("--seed", seed != nil), ("--conditional", conditional),
            ("--class-dropout", classDropout != nil), ("--accumulate", accumulate != nil),
        ] + options.given
    }

    func validate() throws {
        if resume {
            let given = runDefiningFlags.filter(\.1).map(\.0)
            if !given.isEmpty {
                throw ValidationError(
                    "--resume continues with the saved settings; drop \(given.joined(separator: ", ")) "
                        + "(only --steps, --checkpoint-every and --keep-checkpoints may change)")
            }
            try Check.existingFolder(out, flag: "--out")
            if let resumeFrom, resumeFrom != "latest", !FileManager.default.fileExists(atPath: resumeFrom) {
                throw ValidationError(
                    "--resume \(resumeFrom): no such file; give 'latest' or a snapshot file "
                        + "(\(out)/training/checkpoints/step-….safetensors)")
            }
        } else {
            if resumeFrom != nil { throw ValidationError("--resume-from is how '--resume PATH' is passed; use --resume PATH") }
            guard let data else { throw ValidationError("--data is required (\(DataSource.acceptedForms))") }
            if data.isEmpty { throw ValidationError("--data needs a value: \(DataSource.acceptedForms)") }
            try Check.outputFolder(out, flag: "--out")
        }
        if let steps { try Check.within(steps, 1...100_000_000, flag: "--steps") }
        if let keepCheckpoints { try Check.within(keepCheckpoints, 0...1_000_000, flag: "--keep-checkpoints") }
        if let sampleEvery { try Check.within(sampleEvery, 1...100_000_000, flag: "--sample-every") }
        if let sampleCount {
            try Check.within(sampleCount, 1...1024, flag: "--sample-n")
            if sampleEvery == nil { throw ValidationError("--sample-n needs --sample-every") }
        }
        if let fidEvery { try Check.within(fidEvery, 1...100_000_000, flag: "--fid-every") }
        if let fidCount {
            try Check.within(fidCount, 2...100_000, flag: "--fid-n")
            if fidEvery == nil { throw ValidationError("--fid-n needs --fid-every") }
        }
        if fidEvery == nil, featureFlags.features != "mnist" || featureFlags.inception != nil {
            throw ValidationError("--features and --inception choose the network of --fid-every; give --fid-every N")
        }
        if let batchSize { try Check.within(batchSize, 1...65536, flag: "--batch-size") }
        if let accumulate { try Check.within(accumulate, 1...65536, flag: "--accumulate") }
        if exactReduction, (MPILaunch.announcedSize ?? 1) <= 1 {
            throw ValidationError("--exact-reduction applies to a run over several MPI processes (mpirun -np N)")
        }
        if let lr { try Check.finite(lr, flag: "--lr", above: 0, atMost: 1) }
        if let warmup { try Check.atLeast(warmup, 0, flag: "--warmup") }
        _ = try emaDecays
        if let schedule { try Check.oneOf(schedule, ["linear", "cosine"], flag: "--schedule") }
        if let timesteps { try Check.within(timesteps, 2...100_000, flag: "--timesteps") }
        if let prediction { try Check.oneOf(prediction, ["eps", "x0", "v"], flag: "--prediction") }
        if let variance { try Check.oneOf(variance, VarianceType.allCases.map(\.rawValue), flag: "--variance") }
        if let loss { try Check.oneOf(loss, TrainingConfiguration.Loss.allCases.map(\.rawValue), flag: "--loss") }
        if variance == VarianceType.learnedRange.rawValue, loss != "hybrid" {
            throw ValidationError("--variance learned_range needs --loss hybrid (L_simple does not train the variance)")
        }
        if let gradClip { try Check.finite(gradClip, flag: "--grad-clip", above: 0) }
        if let weightDecay { try Check.finite(weightDecay, flag: "--weight-decay", atLeast: 0) }
        if let imageSize { try Check.within(imageSize, 1...4096, flag: "--image-size") }
        if let checkpointEvery { try Check.atLeast(checkpointEvery, 1, flag: "--checkpoint-every") }
        if options.rescaleZeroTerminalSNR, !resume, (prediction ?? "eps") == "eps" {
            throw ValidationError("--rescale-zero-terminal-snr needs --prediction v or x0 (ε-prediction cannot give x̂0 where ᾱ_T = 0)")
        }
        if let classDropout {
            guard conditional else { throw ValidationError("--class-dropout applies to --conditional training only") }
            try Check.finite(classDropout, flag: "--class-dropout", atLeast: 0, atMost: 1)
        }
        if modelConfig != nil, preset != nil {
            throw ValidationError("give either --model-config or --preset, not both")
        }
        if let preset { try Check.oneOf(preset, UNetConfig.presetNames, flag: "--preset") }
        if let modelConfig {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: modelConfig, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw ValidationError("--model-config \(modelConfig): no such file")
            }
        }
    }

    @OptionGroup var threading: ThreadingOptions

    func run() throws {
        let communicator = try TrainingProcesses.communicator()
        TrainingProcesses.defaultThreads(for: communicator)
        threading.apply()
        try TrainingProcesses.run(communicator) { try train(communicator) }
    }

    /// The run, in this process and (under mpirun) its share of every batch; rank 0 prints and writes.
    func train(_ communicator: any TrainingCommunicator) throws {
        let outURL = URL(fileURLWithPath: out)
        let isWriter = communicator.rank == 0
        let trainer: Trainer
        let data: String
        var notes: [String] = []
        if resume {
            let snapshot = resumeFrom.flatMap { $0 == "latest" ? nil : URL(fileURLWithPath: $0) }
            let resumed = try TrainingRun.resume(out: outURL, from: snapshot, communicator: communicator) { configuration in
                if let steps { configuration.steps = steps }
                if let checkpointEvery { configuration.checkpointEvery = checkpointEvery }
                if let keepCheckpoints { configuration.keepCheckpoints = keepCheckpoints }
            }
            trainer = resumed.trainer
            data = resumed.recipe.data
            try TrainingProcesses.checkSplit(batchSize: resumed.recipe.batchSize, trainer.configuration, communicator)
            notes.append(
                "resuming \(out) at step \(trainer.step) of \(trainer.configuration.steps)"
                    + (resumed.source == TrainingRun.stateURL(out: outURL) ? "" : " from \(resumed.source.lastPathComponent)"))
        } else {
            let (recipe, configuration) = try makeRun()
            try TrainingProcesses.checkSplit(batchSize: recipe.batchSize, configuration, communicator)
            trainer = try TrainingRun.start(recipe, configuration: configuration, out: outURL, communicator: communicator)
            data = recipe.data
            if let conditioning = recipe.conditioning {
                notes.append(
                    "class-conditional on \(conditioning.classCount) classes from \(recipe.data): "
                        + Self.listing(conditioning.classNames) + "; null class \(conditioning.nullClass), "
                        + "label dropout \(conditioning.classDropout)")
            }
            notes.append(
                "training \(recipe.modelClass) (\(trainer.model.parameterCount) parameters) on \(recipe.data) "
                    + "for \(configuration.steps) steps, batch \(recipe.batchSize) → \(out)")
        }
        if communicator.size > 1 {
            try TrainingProcesses.checkDistributable(trainer)
            trainer.orderedReduction = exactReduction
            notes.append(
                "\(communicator.size) processes × \(Parallel.threadCount) threads, \(trainer.configuration.accumulationSteps) "
                    + "micro-batch(es) each; gradients summed " + (exactReduction ? "in rank order" : "by MPI_Allreduce"))
        }
        let preview = isWriter ? try makePreview(trainer, out: outURL) : nil
        let fid = isWriter ? try makeFID(trainer, data: data) : nil
        if isWriter { for note in notes { Terminal.printNote(note) } }
        let start = Date()
        let outcome = try TrainingLoop.run(trainer, preview: preview, fid: fid, quiet: !isWriter)
        let curve = TrainingRun.trainingFolder(out: outURL).appendingPathComponent("loss.svg")
        if isWriter { try LossCurve.write(logURL: trainer.logURL, to: curve) }
        // The other ranks wait until rank 0 has written, then end quietly (mpirun
        // would end rank 0 as soon as another rank ended with a non-zero status).
        if communicator.size > 1 { _ = try communicator.allGather([0]) }
        guard isWriter else { return }
        switch outcome {
        case .finished(let step):
            let others = trainer.configuration.additionalEMADecays.map { TrainingRun.emaFolder(out: outURL, decay: $0).path }
            print(
                "trained \(step) steps; model (EMA weights) in \(out)"
                    + (others.isEmpty ? "" : " (other EMA rates in \(others.joined(separator: ", ")))")
                    + ", loss curve \(curve.path)"
                    + TrainingProcesses.communicationShare(communicator, seconds: Date().timeIntervalSince(start)))
        case .interrupted(let step):
            throw Interrupted(
                description: "interrupted at step \(step); checkpoint saved in \(out) (continue with: ddpm train --out \(out) --resume)")
        }
    }

    /// The preview of `--sample-every`, or nil; refused for a model that does not draw images.
    func makePreview(_ trainer: Trainer, out: URL) throws -> TrainingPreview? {
        guard let sampleEvery else { return nil }
        do {
            return TrainingPreview(
                every: sampleEvery, samples: try TrainingSamples(count: sampleCount ?? 64, trainer: trainer),
                folder: out.appendingPathComponent("samples"))
        } catch {
            throw CommandError("--sample-every: \(CommandError.describe(error))")
        }
    }

    /// The measurement of `--fid-every`, or nil: the feature network, and the
    /// statistics of the training images `data` (from the cache, or computed now).
    func makeFID(_ trainer: Trainer, data: String) throws -> TrainingFID? {
        guard let fidEvery else { return nil }
        do {
            let network = try featureFlags.network()
            let samples = try TrainingSamples(count: fidCount ?? 500, trainer: trainer)
            if let problem = network.problem(withImagesOf: [1] + samples.exampleShape) {
                throw CommandError(problem + (featureFlags.isMNIST ? " (--features inception takes any size)" : ""))
            }
            let reference = try ImageSet(trainingData: data).statistics(
                in: network, cache: .standard, progress: ProgressBar.counting(label: "training images' features"))
            return try TrainingFID(every: fidEvery, samples: samples, network: network, reference: reference)
        } catch {
            throw CommandError("--fid-every: \(CommandError.describe(error))")
        }
    }

    /// `train … --resume VALUE …` as the parser takes it: `--resume --resume-from VALUE`
    /// (so that `--resume` alone stays a flag). Other commands' arguments are left as they are.
    static func normalizingResume(_ arguments: [String]) -> [String] {
        guard arguments.first == "train", let index = arguments.firstIndex(of: "--resume"), index + 1 < arguments.count,
            !arguments[index + 1].hasPrefix("-")
        else { return arguments }
        var result = arguments
        result.insert("--resume-from", at: index + 1)
        return result
    }

    /// The recipe and optimiser settings from the flags and their defaults.
    func makeRun() throws -> (TrainingRecipe, TrainingConfiguration) {
        var choices = TrainingChoices(data: data!)
        choices.preset = preset
        if let modelConfig { choices.networkConfig = (try readFile(modelConfig), modelConfig) }
        choices.variance = try VarianceType(name: variance ?? VarianceType.fixedSmall.rawValue)
        choices.prediction = Self.predictionNames[prediction ?? "eps"]!
        choices.cosineSchedule = schedule == "cosine"
        choices.timesteps = timesteps ?? 1000
        choices.rescaleZeroTerminalSNR = options.rescaleZeroTerminalSNR
        choices.selfCondition = options.selfCondition
        choices.conditional = conditional
        choices.classDropout = classDropout ?? 0.1
        choices.batchSize = batchSize
        choices.horizontalFlip = flip
        choices.imageSize = imageSize
        choices.seed = seed ?? 0
        choices.stream = stream
        let recipe = try TrainingRecipe(choosing: choices)
        let conditioning = recipe.conditioning
        var configuration = TrainingConfiguration(
            steps: steps ?? 2000, learningRate: lr ?? 5e-4, warmupSteps: warmup ?? 100, weightDecay: weightDecay ?? 0,
            gradientClip: gradClip ?? 1, emaDecay: try emaDecays?.first ?? 0.999,
            loss: TrainingConfiguration.Loss(rawValue: loss ?? "simple")!, seed: seed ?? 0,
            checkpointEvery: checkpointEvery ?? 500, classConditional: conditioning != nil,
            classDropout: conditioning?.classDropout ?? 0, nullClass: conditioning?.nullClass)
        configuration.additionalEMADecays = Array(try emaDecays?.dropFirst() ?? [])
        configuration.accumulationSteps = accumulate ?? 1
        options.apply(to: &configuration)
        configuration.keepCheckpoints = keepCheckpoints ?? 0
        try configuration.validate()
        return (recipe, configuration)
    }

    /// "a, b, c" or, for many names, the first few and a count.
    static func listing(_ names: [String]) -> String {
        names.count <= 12 ? names.joined(separator: ", ") : names.prefix(10).joined(separator: ", ") + ", … (\(names.count))"
    }

    private func readFile(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandError("\(path): cannot read the file")
        }
        return data
    }
}
