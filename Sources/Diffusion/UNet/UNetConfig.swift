import Foundation

/// The configuration of a `UNet2DModel`, read from and written to the same
/// `config.json` keys as huggingface diffusers' `UNet2DModel`, with the same
/// defaults for absent keys.
public struct UNetConfig: Equatable, Sendable {
    /// Down-path block kinds.
    public enum DownBlock: String, Sendable, CaseIterable {
        /// Residual blocks only (`DownBlock2D`).
        case plain = "DownBlock2D"
        /// Residual blocks, each followed by self-attention (`AttnDownBlock2D`).
        case attention = "AttnDownBlock2D"
    }
    /// Up-path block kinds.
    public enum UpBlock: String, Sendable, CaseIterable {
        /// Residual blocks only (`UpBlock2D`).
        case plain = "UpBlock2D"
        /// Residual blocks, each followed by self-attention (`AttnUpBlock2D`).
        case attention = "AttnUpBlock2D"
    }

    /// The image height the model was trained at (`sample_size`).
    public var sampleHeight: Int
    /// The image width the model was trained at (`sample_size`).
    public var sampleWidth: Int
    /// Input channels (`in_channels`).
    public var inChannels: Int
    /// Output channels (`out_channels`): the data's, twice that for a learned variance.
    public var outChannels: Int
    /// The width of each level (`block_out_channels`).
    public var blockOutChannels: [Int]
    /// Residual blocks per down level (`layers_per_block`); up levels have one more.
    public var layersPerBlock: Int
    /// The kind of each down level (`down_block_types`).
    public var downBlockTypes: [DownBlock]
    /// The kind of each up level (`up_block_types`).
    public var upBlockTypes: [UpBlock]
    /// Whether there is a middle block (`mid_block_type` "UNetMidBlock2D" or null).
    public var hasMidBlock: Bool
    /// Whether the middle block has attention.
    public var addAttention: Bool
    /// Width of one attention head; `nil` means one head spanning all channels.
    public var attentionHeadDim: Int?
    /// Groups of every group normalisation (`norm_num_groups`).
    public var normNumGroups: Int
    /// ε of every group normalisation (`norm_eps`).
    public var normEps: Float
    /// Whether the timestep embedding puts cosines first (`flip_sin_to_cos`).
    public var flipSinToCos: Bool
    /// The frequency shift of the timestep embedding (`freq_shift`).
    public var freqShift: Float
    /// The padding of the downsampling convolutions (`downsample_padding`).
    public var downsamplePadding: Int
    /// The residual blocks' dropout probability (`dropout`).
    public var dropout: Float
    /// Whether the input is mapped from [0, 1] to [−1, 1] first (`center_input_sample`).
    public var centerInputSample: Bool
    /// The middle block's output scale (`mid_block_scale_factor`).
    public var midBlockScaleFactor: Float
    /// Width of the time embedding; `nil` means 4 × the first block's channels.
    public var timeEmbeddingDim: Int?
    /// Number of class-embedding rows (class-conditional models), or `nil`.
    public var numClassEmbeds: Int?
    /// Whether the network is self-conditioned (Chen et al. 2022; this project's
    /// `config.json` key `self_condition`): its input is x_t and an estimate of x0
    /// stacked on the channel axis, so `inChannels` is twice the image's channels.
    public var selfCondition = false

    /// The channels of the images the network denoises (`inChannels`, halved when self-conditioned).
    public var imageChannels: Int { selfCondition ? inChannels / 2 : inChannels }

    /// The time-embedding width actually used.
    public var timeEmbedWidth: Int { timeEmbeddingDim ?? blockOutChannels[0] * 4 }

    /// A configuration with diffusers' defaults for everything not given.
    public init(
        sampleSize: Int = 32, inChannels: Int = 3, outChannels: Int = 3,
        blockOutChannels: [Int] = [224, 448, 672, 896], layersPerBlock: Int = 2,
        downBlockTypes: [DownBlock] = [.plain, .attention, .attention, .attention],
        upBlockTypes: [UpBlock] = [.attention, .attention, .attention, .plain],
        hasMidBlock: Bool = true, addAttention: Bool = true, attentionHeadDim: Int? = 8,
        normNumGroups: Int = 32, normEps: Float = 1e-5, flipSinToCos: Bool = true,
        freqShift: Float = 0, downsamplePadding: Int = 1, dropout: Float = 0,
        centerInputSample: Bool = false, midBlockScaleFactor: Float = 1,
        timeEmbeddingDim: Int? = nil, numClassEmbeds: Int? = nil
    ) {
        self.sampleHeight = sampleSize
        self.sampleWidth = sampleSize
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.blockOutChannels = blockOutChannels
        self.layersPerBlock = layersPerBlock
        self.downBlockTypes = downBlockTypes
        self.upBlockTypes = upBlockTypes
        self.hasMidBlock = hasMidBlock
        self.addAttention = addAttention
        self.attentionHeadDim = attentionHeadDim
        self.normNumGroups = normNumGroups
        self.normEps = normEps
        self.flipSinToCos = flipSinToCos
        self.freqShift = freqShift
        self.downsamplePadding = downsamplePadding
        self.dropout = dropout
        self.centerInputSample = centerInputSample
        self.midBlockScaleFactor = midBlockScaleFactor
        self.timeEmbeddingDim = timeEmbeddingDim
        self.numClassEmbeds = numClassEmbeds
    }

    /// Upper bounds that keep a hostile or mistaken `config.json` from asking for
    /// absurd memory or tripping integer overflow. Every published `UNet2DModel`
    /// lies far inside them (the 256×256 LSUN and CelebA-HQ models have six
    /// blocks of width ≤ 512 and under 300 million parameters).
    public enum Limits {
        /// The largest sample height or width.
        public static let maximumSampleSize = 1 << 16
        /// The largest channel count: in/out channels, block widths, time-embedding width.
        public static let maximumChannels = 1 << 14
        /// The most entries in `block_out_channels` (each but the last halves the resolution).
        public static let maximumBlocks = 16
        /// The largest `layers_per_block`.
        public static let maximumLayersPerBlock = 64
        /// The most class-embedding rows.
        public static let maximumClassEmbeds = 1 << 20
        /// The most parameters, judged by `minimumParameterCount` (2^30 Float32 values are 4 GiB).
        public static let maximumParameters = 1 << 30
    }

    /// A lower bound on the number of parameters: the second 3×3 convolution of
    /// every ResNet block (`layers` per down block, `layers + 1` per up block),
    /// the time-embedding MLP's second layer and the class embedding. Used to
    /// refuse a configuration before any weight is allocated; call it only on
    /// sizes within `Limits` (it cannot overflow there).
    public var minimumParameterCount: Int {
        let convolutions = blockOutChannels.reduce(0) { total, width in total + (2 * layersPerBlock + 1) * 9 * width * width }
        return convolutions + timeEmbedWidth * timeEmbedWidth + (numClassEmbeds ?? 0) * timeEmbedWidth
    }

    /// Checks that the blocks fit together and that the sizes are within `Limits`;
    /// throws a `UNetConfigError` naming the problem.
    public func validate() throws {
        func fail(_ message: String) -> UNetConfigError { UNetConfigError(message: message) }
        guard sampleHeight > 0, sampleWidth > 0 else { throw fail("sample_size must be positive, got \(sampleHeight)×\(sampleWidth)") }
        guard sampleHeight <= Limits.maximumSampleSize, sampleWidth <= Limits.maximumSampleSize else {
            throw fail("sample_size \(sampleHeight)×\(sampleWidth) is too large (at most \(Limits.maximumSampleSize) per side)")
        }
        guard inChannels > 0, outChannels > 0 else { throw fail("in_channels and out_channels must be positive") }
        guard inChannels <= Limits.maximumChannels, outChannels <= Limits.maximumChannels else {
            throw fail("in_channels \(inChannels) / out_channels \(outChannels) too large (at most \(Limits.maximumChannels))")
        }
        guard !selfCondition || inChannels % 2 == 0 else {
            throw fail("self_condition needs an even in_channels (the image's channels and as many for the x0 estimate), got \(inChannels)")
        }
        guard !blockOutChannels.isEmpty, blockOutChannels.allSatisfy({ $0 > 0 }) else {
            throw fail("block_out_channels must be a non-empty list of positive widths, got \(blockOutChannels)")
        }
        guard blockOutChannels.count <= Limits.maximumBlocks else {
            throw fail("block_out_channels has \(blockOutChannels.count) entries (at most \(Limits.maximumBlocks))")
        }
        if let width = blockOutChannels.first(where: { $0 > Limits.maximumChannels }) {
            throw fail("block width \(width) in block_out_channels is too large (at most \(Limits.maximumChannels))")
        }
        guard downBlockTypes.count == blockOutChannels.count, upBlockTypes.count == blockOutChannels.count else {
            throw fail(
                "down_block_types (\(downBlockTypes.count)) and up_block_types (\(upBlockTypes.count)) must have one entry per block_out_channels entry (\(blockOutChannels.count))"
            )
        }
        guard layersPerBlock > 0, layersPerBlock <= Limits.maximumLayersPerBlock else {
            throw fail("layers_per_block must be 1 to \(Limits.maximumLayersPerBlock), got \(layersPerBlock)")
        }
        guard normNumGroups > 0 else { throw fail("norm_num_groups must be positive, got \(normNumGroups)") }
        for width in blockOutChannels where width % normNumGroups != 0 {
            throw fail("block width \(width) is not divisible by norm_num_groups \(normNumGroups)")
        }
        guard normEps > 0, normEps.isFinite else { throw fail("norm_eps must be positive, got \(normEps)") }
        guard dropout >= 0, dropout < 1 else { throw fail("dropout must be in [0, 1), got \(dropout)") }
        guard downsamplePadding >= 0 else { throw fail("downsample_padding must be ≥ 0, got \(downsamplePadding)") }
        if let d = timeEmbeddingDim, d <= 0 || d > Limits.maximumChannels {
            throw fail("time_embedding_dim must be 1 to \(Limits.maximumChannels), got \(d)")
        }
        if let n = numClassEmbeds, n <= 0 || n > Limits.maximumClassEmbeds {
            throw fail("num_class_embeds must be 1 to \(Limits.maximumClassEmbeds), got \(n)")
        }
        if let head = attentionHeadDim {
            guard head > 0 else { throw fail("attention_head_dim must be positive, got \(head)") }
            var attended: [Int] = []
            for (i, kind) in downBlockTypes.enumerated() where kind == .attention { attended.append(blockOutChannels[i]) }
            for (i, kind) in upBlockTypes.enumerated() where kind == .attention { attended.append(blockOutChannels.reversed()[i]) }
            if hasMidBlock && addAttention { attended.append(blockOutChannels.last!) }
            for width in attended where width % head != 0 {
                throw fail("attention width \(width) is not divisible by attention_head_dim \(head)")
            }
        }
        let factor = 1 << (blockOutChannels.count - 1)
        guard sampleHeight % factor == 0, sampleWidth % factor == 0 else {
            throw fail("sample_size \(sampleHeight)×\(sampleWidth) must be divisible by \(factor) (2 to the number of downsamplings)")
        }
        guard minimumParameterCount <= Limits.maximumParameters else {
            throw fail(
                "the configuration describes at least \(minimumParameterCount) parameters (at most \(Limits.maximumParameters) accepted)")
        }
    }
}

/// A `config.json` that cannot describe a supported `UNet2DModel`.
public struct UNetConfigError: Error, CustomStringConvertible, Equatable {
    /// What is wrong with the configuration.
    public let message: String
    /// An error with its message.
    public init(message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
