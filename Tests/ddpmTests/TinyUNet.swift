import Diffusion
import Foundation

/// The tiny 8×8 U-Net the command tests train (two blocks of 8 channels, no attention, no class
/// embedding: `--conditional` adds it), written as a config file.
enum TinyUNet {
    static func config(channels: Int = 1) -> UNetConfig {
        UNetConfig(
            sampleSize: 8, inChannels: channels, outChannels: channels, blockOutChannels: [8, 8], layersPerBlock: 1,
            downBlockTypes: [.plain, .plain], upBlockTypes: [.plain, .plain], addAttention: false,
            attentionHeadDim: nil, normNumGroups: 4)
    }

    /// Writes the config into `folder` and returns its path.
    static func write(channels: Int = 1, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent("tiny-\(channels).json")
        try config(channels: channels).jsonData().write(to: url)
        return url.path
    }
}
