import ArgumentParser
import Diffusion
import Foundation
import NN
import Tensors
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `ddpm bench model`: U-Net training and sampling throughput, one JSON line
/// with the same keys as bench/pytorch_reference.py.
struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Benchmark a U-Net training step, a forward pass and DDIM-50 sampling (build with -c release).")

    @Option(help: "A diffusers UNet2DModel config.json (default: the mnist-small benchmark model).")
    var config: String?

    @Option(help: "Images per batch.")
    var batchSize: Int = 64

    @Option(help: "Threads the kernels may use.")
    var threads: Int = Parallel.threadCount

    @Option(help: "Timed training steps (after the warm-up steps).")
    var steps: Int = 20

    @Option(help: "Untimed warm-up training steps.")
    var warmup: Int = 5

    @Option(help: "DDIM steps for the sampling measurement (0 skips it).")
    var ddimSteps: Int = 50

    @Flag(
        help: "Print each convolution's plan (algorithm, threading, fusion) in a training step and in sampling, then stop without timing.")
    var plans = false

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard warmup >= 0, ddimSteps >= 0 else { throw ValidationError("--warmup and --ddim-steps must be ≥ 0") }
    }

    func run() throws {
        Parallel.threadCount = threads
        let unetConfig: UNetConfig
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else {
                throw ValidationError("--config: cannot read \(config)")
            }
            unetConfig = try UNetConfig.parse(data, source: config).config
        } else {
            unetConfig = try UNetConfig.preset(named: "mnist-small")
        }
        var generator = RandomGenerator(seed: 0)
        let model = try UNet2DModel(config: unetConfig, generator: &generator)
        let diffusion = GaussianDiffusion(schedule: try NoiseSchedule(.linear(), timesteps: 1000))
        let optimizer = try AdamW(parameters: model.namedParameters(), learningRate: 1e-4)
        let shape = [batchSize, unetConfig.inChannels, unetConfig.sampleHeight, unetConfig.sampleWidth]
        if plans {
            try printPlans(model: model, shape: shape, generator: &generator)
            return
        }

        var trainTimes: [Double] = []
        for step in 0..<(warmup + steps) {
            let x0 = Tensor.randn(shape, generator: &generator)
            let t = UniformTimesteps.draw(batch: batchSize, timesteps: 1000, generator: &generator)
            let start = DispatchTime.now().uptimeNanoseconds
            let (xt, noise) = try diffusion.schedule.marginalSample(x0: x0, timesteps: t, generator: &generator)
            let loss = Tensor.mseLoss(try model(xt, timesteps: t), noise)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            if step >= warmup { trainTimes.append(Self.seconds(since: start)) }
        }

        model.setTraining(false)
        let x = Tensor.randn(shape, generator: &generator)
        var forwardTimes: [Double] = []
        for i in 0..<8 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try GradMode.withoutGradient { try model(x, timesteps: [500]) }
            if i >= 2 { forwardTimes.append(Self.seconds(since: start)) }
        }

        var ddimSeconds = 0.0
        if ddimSteps > 0 {
            let sampler = try DDIMSampler(diffusion: diffusion, steps: ddimSteps)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try sampler.sample(model: model, shape: shape, generator: &generator)
            ddimSeconds = Self.seconds(since: start)
        }

        let trainMs = Self.median(trainTimes) * 1000
        let flops = model.forwardFLOPs()
        let report: [String: Any] = [
            "train_step_ms": Self.rounded(trainMs, 1),
            "forward_ms": Self.rounded(Self.median(forwardTimes) * 1000, 1),
            "ddim50_s": Self.rounded(ddimSeconds, 2),
            "peak_rss_mb": Self.rounded(Self.peakResidentMegabytes(), 1),
            "params": model.parameterCount,
            "gflop_per_forward": Self.rounded(Double(flops) / 1e9, 4),
            "gflops": Self.rounded(3 * Double(flops * batchSize) / (trainMs / 1000) / 1e9, 1),
            "threads": threads,
            "isa": GEMM.instructionSet,
            "implementation": "swift-ddpm",
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Each convolution of one forward pass with gradients recorded (a
    /// training step) and one without (a sampling step): its layer, sizes
    /// and plans.
    private func printPlans(model: UNet2DModel, shape: [Int], generator: inout RandomGenerator) throws {
        let x = Tensor.randn(shape, generator: &generator)
        let timesteps = [Int](repeating: 500, count: shape[0])
        let training = try Conv2DPlan.recorded { try model(x, timesteps: timesteps) }.records
        model.setTraining(false)
        let sampling = try GradMode.withoutGradient {
            try Conv2DPlan.recorded { try model(x, timesteps: timesteps) }.records
        }
        let parameters = model.namedParameters()
        /// The layer whose parameter a convolution's weight is; for a weight
        /// built from parameters (a linear layer as a 1×1 convolution, the
        /// attention's stacked q, k, v), the layers whose weights it holds.
        func layer(_ weight: Tensor) -> String {
            func name(_ scalars: ArraySlice<Float>) -> String? {
                guard
                    let path = parameters.first(where: {
                        $0.tensor.count == scalars.count
                            && $0.tensor.scalars.elementsEqual(scalars)
                    })?.path
                else { return nil }
                return path.hasSuffix(".weight") ? String(path.dropLast(7)) : path
            }
            if let path = parameters.first(where: { $0.tensor === weight })?.path {
                return path.hasSuffix(".weight") ? String(path.dropLast(7)) : path
            }
            let scalars = weight.scalars
            for parts in 1...3 where scalars.count % parts == 0 {
                let size = scalars.count / parts
                let names = (0..<parts).compactMap { name(scalars[$0 * size..<($0 + 1) * size]) }
                if names.count == parts { return names.joined(separator: " + ") }
            }
            return "(unnamed)"
        }
        print("convolution plans at batch \(shape[0]), \(threads) thread\(threads == 1 ? "" : "s"), ISA \(GEMM.instructionSet)")
        for (index, record) in training.enumerated() {
            print("\(layer(record.weight))  \(record.plan.geometry)")
            print("  training  \(record.plan)")
            if index < sampling.count { print("  sampling  \(sampling[index].plan.summary(includingBackward: false))") }
        }
    }

    static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    static func rounded(_ value: Double, _ digits: Int) -> Double {
        let scale = Foundation.pow(10, Double(digits))
        return (value * scale).rounded() / scale
    }

    /// The process's peak resident set size in MB.
    static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
            getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        #if canImport(Darwin)
            return Double(usage.ru_maxrss) / 1_048_576
        #else
            return Double(usage.ru_maxrss) / 1024
        #endif
    }
}
