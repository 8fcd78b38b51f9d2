import Foundation
import NN
import Tensors

/// The configuration of a network this package builds: diffusers' `UNet2DModel`
/// for images or the toy `MLPDenoiser` for points. The one place that knows the
/// kinds: the `_class_name` of each `config.json`, how to build the network
/// (a self-conditioned U-Net wrapped in its `SelfConditionedDenoiser`), and the
/// shape of one example it denoises.
public enum DenoiserConfig: Equatable, Sendable {
    /// A ``UNet2DModel`` for images.
    case unet(UNetConfig)
    /// An ``MLPDenoiser`` for points.
    case mlp(MLPDenoiserConfig)

    /// The `_class_name` written to `config.json`.
    public var className: String {
        switch self {
        case .unet: return "UNet2DModel"
        case .mlp: return MLPDenoiserConfig.className
        }
    }

    /// Parses a `config.json`: an MLP when `_class_name` says so, else a U-Net (as a
    /// diffusers folder, whose `_class_name` may be absent).
    public static func parse(_ data: Data, source: String = "config.json") throws -> DenoiserConfig {
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        if object?["_class_name"] as? String == MLPDenoiserConfig.className {
            return .mlp(try MLPDenoiserConfig.parse(data, source: source))
        }
        return .unet(try UNetConfig.parse(data, source: source).config)
    }

    /// The configuration as `config.json`.
    public func jsonData() throws -> Data {
        switch self {
        case .unet(let config): return config.jsonData()
        case .mlp(let config): return try config.jsonData()
        }
    }

    /// `[C, H, W]` of the images a U-Net denoises (C without a self-conditioning estimate), `[D]` for an MLP.
    public var exampleShape: [Int] {
        switch self {
        case .unet(let config): return [config.imageChannels, config.sampleHeight, config.sampleWidth]
        case .mlp(let config): return [config.dataDimension]
        }
    }

    /// A network with weights initialised from `generator`; a self-conditioned U-Net comes
    /// wrapped, reading its outputs through `diffusion`.
    public func makeModel(diffusion: GaussianDiffusion, generator: inout RandomGenerator) throws -> any DenoisingModel & Module {
        switch self {
        case .mlp(let config):
            return try MLPDenoiser(config: config, generator: &generator)
        case .unet(let config):
            return Self.denoiser(try UNet2DModel(config: config, generator: &generator), diffusion: diffusion)
        }
    }

    /// The U-Net as the samplers and the trainer take it: wrapped in a `SelfConditionedDenoiser`
    /// when its config says `self_condition`, else itself.
    public static func denoiser(_ unet: UNet2DModel, diffusion: GaussianDiffusion) -> any DenoisingModel & Module {
        unet.config.selfCondition ? SelfConditionedDenoiser(network: unet, diffusion: diffusion) : unet
    }

    /// The configuration of a built network (seen through a self-conditioning wrapper), or nil
    /// for a model of another kind.
    public init?(of model: any DenoisingModel) {
        switch model {
        case let wrapped as SelfConditionedDenoiser: self.init(of: wrapped.network)
        case let unet as UNet2DModel: self = .unet(unet.config)
        case let mlp as MLPDenoiser: self = .mlp(mlp.config)
        default: return nil
        }
    }
}
