import NN
import Tensors

/// The DDPM U-Net (Ho et al. 2020, appendix B), parameter for parameter the
/// network of huggingface diffusers' `UNet2DModel`, so that its weight files
/// load here and ours load there.
///
/// Input `[B, inChannels, H, W]` and 0-based timesteps; output
/// `[B, outChannels, H, W]` (ε, x0 or v, with twice the channels for a
/// learned variance).
public final class UNet2DModel: Module, DenoisingModel {
    /// The configuration it was built from.
    public let config: UNetConfig
    /// The input convolution (`conv_in`).
    public let convIn: Conv2d
    /// The time MLP (`time_embedding`).
    public let timeEmbedding: TimestepEmbedding
    /// The class embedding of a class-conditional model (`class_embedding`).
    public let classEmbedding: Embedding?
    /// The contracting path (`down_blocks`).
    public let downBlocks: [DownBlock2D]
    /// The bottleneck (`mid_block`), when the configuration has one.
    public let midBlock: MidBlock2D?
    /// The expanding path (`up_blocks`).
    public let upBlocks: [UpBlock2D]
    /// The output normalisation (`conv_norm_out`).
    public let normOut: GroupNorm
    /// The output convolution (`conv_out`).
    public let convOut: Conv2d

    /// A U-Net with freshly initialised weights (PyTorch's default initialisation).
    ///
    /// - Throws: ``UNetConfigError`` for a configuration that does not validate.
    public init(config: UNetConfig, generator: inout RandomGenerator) throws {
        try config.validate()
        self.config = config
        let widths = config.blockOutChannels
        convIn = Conv2d(config.inChannels, widths[0], kernelSize: 3, padding: 1, generator: &generator)
        timeEmbedding = TimestepEmbedding(inputWidth: widths[0], width: config.timeEmbedWidth, generator: &generator)
        classEmbedding = config.numClassEmbeds.map { Embedding(count: $0, dimension: config.timeEmbedWidth, generator: &generator) }

        var skipWidths = [widths[0]]
        var downBlocks: [DownBlock2D] = []
        for (i, kind) in config.downBlockTypes.enumerated() {
            let last = i == widths.count - 1
            downBlocks.append(
                DownBlock2D(
                    inChannels: i == 0 ? widths[0] : widths[i - 1], outChannels: widths[i], layers: config.layersPerBlock,
                    attention: kind == .attention, downsample: !last, config: config, generator: &generator))
            skipWidths += Array(repeating: widths[i], count: config.layersPerBlock + (last ? 0 : 1))
        }
        self.downBlocks = downBlocks
        midBlock = config.hasMidBlock ? MidBlock2D(channels: widths.last!, config: config, generator: &generator) : nil

        var upBlocks: [UpBlock2D] = []
        var previous = widths.last!
        for (i, kind) in config.upBlockTypes.enumerated() {
            let width = widths[widths.count - 1 - i]
            var skips: [Int] = []
            for _ in 0...config.layersPerBlock { skips.append(skipWidths.removeLast()) }
            upBlocks.append(
                UpBlock2D(
                    previousChannels: previous, outChannels: width, skipChannels: skips, attention: kind == .attention,
                    upsample: i != widths.count - 1, config: config, generator: &generator))
            previous = width
        }
        self.upBlocks = upBlocks
        normOut = GroupNorm(groupCount: config.normNumGroups, channelCount: widths[0], epsilon: config.normEps)
        convOut = Conv2d(widths[0], config.outChannels, kernelSize: 3, padding: 1, generator: &generator)
    }

    /// Its layers under diffusers' parameter paths.
    public var children: [(name: String, module: any Module)] {
        var list: [(name: String, module: any Module)] = [("conv_in", convIn), ("time_embedding", timeEmbedding)]
        if let classEmbedding { list.append(("class_embedding", classEmbedding)) }
        list += downBlocks.enumerated().map { ("down_blocks.\($0.offset)", $0.element as any Module) }
        if let midBlock { list.append(("mid_block", midBlock)) }
        list += upBlocks.enumerated().map { ("up_blocks.\($0.offset)", $0.element as any Module) }
        list += [("conv_norm_out", normOut), ("conv_out", convOut)]
        return list
    }

    /// Predicts the network output for a batch `x` at 0-based `timesteps`
    /// (one per example, or one for the whole batch).
    public func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]? = nil) throws -> Tensor {
        try forward(x, timesteps: timesteps.map(Float.init), classLabels: classLabels)
    }

    /// Predicts the network output at continuous timesteps (the embedding is
    /// sinusoidal, so it takes any real t, as diffusers' does).
    public func callAsFunction(_ x: Tensor, continuousTimesteps: [Double], classLabels: [Int]?) throws -> Tensor {
        guard continuousTimesteps.allSatisfy(\.isFinite) else {
            throw DiffusionError.invalidTimesteps(operation: "UNet2DModel", reason: "timesteps must be finite, got \(continuousTimesteps)")
        }
        return try forward(x, timesteps: continuousTimesteps.map(Float.init), classLabels: classLabels)
    }

    private func forward(_ x: Tensor, timesteps: [Float], classLabels: [Int]?) throws -> Tensor {
        try checkInput(x, timestepCount: timesteps.count, classLabels: classLabels)
        let batch = x.shape[0]
        let steps = timesteps.count == 1 ? Array(repeating: timesteps[0], count: batch) : timesteps
        let features = sinusoidalEmbedding(
            timesteps: steps, dimension: config.blockOutChannels[0],
            flipSinToCos: config.flipSinToCos, freqShift: config.freqShift)
        var embedding = timeEmbedding(features)
        if let classEmbedding, let classLabels {
            embedding = embedding + classEmbedding(classLabels)
        }
        var h = convIn(config.centerInputSample ? 2 * x - 1 : x)
        var skips = [h]
        for block in downBlocks {
            let (output, blockSkips) = block(h, timeEmbedding: embedding)
            h = output
            skips += blockSkips
        }
        if let midBlock { h = midBlock(h, timeEmbedding: embedding) }
        for block in upBlocks { h = block(h, skips: &skips, timeEmbedding: embedding) }
        return convOut(h, prologue: normOut.thenSiLU())
    }

    private func checkInput(_ x: Tensor, timestepCount: Int, classLabels: [Int]?) throws {
        let factor = 1 << (config.blockOutChannels.count - 1)
        guard x.rank == 4, x.shape[1] == config.inChannels, x.shape[0] > 0,
            x.shape[2] % factor == 0, x.shape[3] % factor == 0, x.shape[2] > 0, x.shape[3] > 0
        else {
            throw DiffusionError.shapeMismatch(
                operation: "UNet2DModel", expected: "[batch, \(config.inChannels), H, W] with H and W divisible by \(factor)", got: x.shape)
        }
        guard timestepCount == 1 || timestepCount == x.shape[0] else {
            throw DiffusionError.invalidTimesteps(
                operation: "UNet2DModel",
                reason: "\(timestepCount) timesteps for a batch of \(x.shape[0]); give one per example or one for all")
        }
        if let count = config.numClassEmbeds {
            guard let labels = classLabels else {
                throw DiffusionError.invalidParameter(
                    name: "class labels", value: "none", accepted: "one label per example in 0..<\(count) (this U-Net is class-conditional)"
                )
            }
            guard labels.count == x.shape[0], labels.allSatisfy({ (0..<count).contains($0) }) else {
                throw DiffusionError.invalidParameter(
                    name: "class labels", value: "\(labels)", accepted: "\(x.shape[0]) values in 0..<\(count)")
            }
        } else if classLabels != nil {
            throw DiffusionError.invalidParameter(
                name: "class labels", value: "given", accepted: "none (this U-Net is unconditional)")
        }
    }
}
