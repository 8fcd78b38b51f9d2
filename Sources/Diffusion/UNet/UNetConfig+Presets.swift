extension UNetConfig {
    /// Named configurations sized for a 2-core CPU.
    ///
    /// - `mnist-small`: the benchmark model (28×28, 1 channel, widths 32/64/128,
    ///   2 residual blocks per level, attention at 14×14 and in the middle, 8 groups).
    /// - `mnist-tiny`: a narrower 28×28 model (16/32/64, 1 block per level) for the demo.
    /// - `digits-tiny`: an 8×8 model (32/64, 1 block per level) for the 8×8 digits.
    /// - `rgb32-tiny`: a 32×32 colour model (32/64/128, 1 block per level, attention at 16×16)
    ///   for CIFAR-sized data on a CPU.
    /// - `cifar10-32`: the DDPM paper's CIFAR-10 network (google/ddpm-cifar10-32, 35.7M parameters).
    ///
    /// - Throws: ``UNetConfigError`` for a name not in ``presetNames``.
    public static func preset(named name: String) throws -> UNetConfig {
        switch name {
        case "mnist-small":
            return UNetConfig(
                sampleSize: 28, inChannels: 1, outChannels: 1, blockOutChannels: [32, 64, 128],
                layersPerBlock: 2, downBlockTypes: [.plain, .attention, .plain],
                upBlockTypes: [.plain, .attention, .plain], attentionHeadDim: 64, normNumGroups: 8)
        case "mnist-tiny":
            return UNetConfig(
                sampleSize: 28, inChannels: 1, outChannels: 1, blockOutChannels: [16, 32, 64],
                layersPerBlock: 1, downBlockTypes: [.plain, .attention, .plain],
                upBlockTypes: [.plain, .attention, .plain], attentionHeadDim: nil, normNumGroups: 8)
        case "digits-tiny":
            return UNetConfig(
                sampleSize: 8, inChannels: 1, outChannels: 1, blockOutChannels: [32, 64],
                layersPerBlock: 1, downBlockTypes: [.plain, .attention],
                upBlockTypes: [.attention, .plain], attentionHeadDim: nil, normNumGroups: 8)
        case "rgb32-tiny":
            return UNetConfig(
                sampleSize: 32, inChannels: 3, outChannels: 3, blockOutChannels: [32, 64, 128],
                layersPerBlock: 1, downBlockTypes: [.plain, .attention, .plain],
                upBlockTypes: [.plain, .attention, .plain], attentionHeadDim: nil, normNumGroups: 8)
        case "cifar10-32":
            return UNetConfig(
                sampleSize: 32, inChannels: 3, outChannels: 3, blockOutChannels: [128, 256, 256, 256],
                layersPerBlock: 2, downBlockTypes: [.plain, .attention, .plain, .plain],
                upBlockTypes: [.plain, .plain, .attention, .plain], attentionHeadDim: nil, normNumGroups: 32)
        default:
            throw UNetConfigError(message: "unknown preset \"\(name)\"; accepted: \(presetNames.joined(separator: ", "))")
        }
    }

    /// The names `preset(named:)` accepts.
    public static let presetNames = ["mnist-small", "mnist-tiny", "digits-tiny", "rgb32-tiny", "cifar10-32"]
}
