import Foundation
import NN
import Tensors

/// The shape of an `MLPDenoiser`: data dimension, width, depth and the size of
/// the sinusoidal timestep embedding. Saved as a model folder's `config.json`
/// with `_class_name` "MLPDenoiser".
public struct MLPDenoiserConfig: Codable, Equatable, Sendable {
    /// The `_class_name` of its `config.json`.
    public static let className = "MLPDenoiser"
    /// The number of coordinates of one data point (2 for the toy distributions).
    public var dataDimension: Int
    /// Units of each hidden layer.
    public var hiddenWidth: Int
    /// Residual blocks between the input and output layers.
    public var blocks: Int
    /// Size of the sinusoidal timestep embedding (even).
    public var timeEmbeddingDimension: Int
    /// Output channels per data coordinate (2 for a learned_range variance, else 1).
    public var outputFactor: Int

    enum CodingKeys: String, CodingKey {
        case className = "_class_name"
        case dataDimension = "data_dimension", hiddenWidth = "hidden_width", blocks
        case timeEmbeddingDimension = "time_embedding_dimension", outputFactor = "output_factor"
    }

    /// A configuration; the defaults are the toy model `ddpm train --data toy:…` trains.
    public init(
        dataDimension: Int = 2, hiddenWidth: Int = 128, blocks: Int = 3, timeEmbeddingDimension: Int = 32,
        outputFactor: Int = 1
    ) {
        self.dataDimension = dataDimension
        self.hiddenWidth = hiddenWidth
        self.blocks = blocks
        self.timeEmbeddingDimension = timeEmbeddingDimension
        self.outputFactor = outputFactor
    }

    /// Reads a `config.json`, refusing another `_class_name`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .className)
        guard name == Self.className else {
            throw DecodingError.dataCorruptedError(
                forKey: .className, in: container,
                debugDescription: "_class_name is '\(name)', expected '\(Self.className)'")
        }
        dataDimension = try container.decode(Int.self, forKey: .dataDimension)
        hiddenWidth = try container.decode(Int.self, forKey: .hiddenWidth)
        blocks = try container.decode(Int.self, forKey: .blocks)
        timeEmbeddingDimension = try container.decode(Int.self, forKey: .timeEmbeddingDimension)
        outputFactor = try container.decode(Int.self, forKey: .outputFactor)
    }

    /// Writes the `config.json` keys, `_class_name` first.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.className, forKey: .className)
        try container.encode(dataDimension, forKey: .dataDimension)
        try container.encode(hiddenWidth, forKey: .hiddenWidth)
        try container.encode(blocks, forKey: .blocks)
        try container.encode(timeEmbeddingDimension, forKey: .timeEmbeddingDimension)
        try container.encode(outputFactor, forKey: .outputFactor)
    }

    /// Throws `DiffusionError.invalidParameter` for a size out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ name: String, _ value: Int, _ accepted: String) throws {
            if !ok { throw DiffusionError.invalidParameter(name: "MLP \(name)", value: "\(value)", accepted: accepted) }
        }
        try check((1...4096).contains(dataDimension), "data_dimension", dataDimension, "1…4096")
        try check((1...8192).contains(hiddenWidth), "hidden_width", hiddenWidth, "1…8192")
        try check((0...64).contains(blocks), "blocks", blocks, "0…64")
        try check(
            (2...4096).contains(timeEmbeddingDimension) && timeEmbeddingDimension % 2 == 0,
            "time_embedding_dimension", timeEmbeddingDimension, "an even number in 2…4096")
        try check(outputFactor == 1 || outputFactor == 2, "output_factor", outputFactor, "1 or 2")
    }

    /// Parses `config.json` text.
    public static func parse(_ data: Data, source: String = "config.json") throws -> MLPDenoiserConfig {
        let config: MLPDenoiserConfig
        do {
            config = try JSONDecoder().decode(MLPDenoiserConfig.self, from: data)
        } catch {
            throw DiffusionError.invalidParameter(
                name: source, value: "an MLP config", accepted: "valid JSON with \(CodingKeys.allNames): \(error)")
        }
        try config.validate()
        return config
    }

    /// Sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(self)
    }
}

extension MLPDenoiserConfig.CodingKeys {
    static var allNames: String {
        "_class_name, data_dimension, hidden_width, blocks, time_embedding_dimension, output_factor"
    }
}

/// A small ε-network for flat data `[B, D]` (the 2-D toy distributions):
///
///     h = W_in x + W_t·SiLU(W_e·emb(t))
///     h = h + W_b2·SiLU(W_b1·SiLU(h))      (each block)
///     out = W_out·SiLU(h)
///
/// with `emb(t)` the transformer sinusoidal embedding of the timestep index
/// (half sines, half cosines, frequencies 10000^(−k/(d/2))).
public final class MLPDenoiser: Module, DenoisingModel {
    /// The sizes of the network.
    public let config: MLPDenoiserConfig
    /// W_in: data → hidden.
    public let input: Linear
    /// W_e: the sinusoidal embedding → its hidden width.
    public let timeEmbedding: Linear
    /// W_t: the time embedding added to the hidden state.
    public let timeProjection: Linear
    /// The residual blocks W_b1, W_b2.
    public let blocks: [(first: Linear, second: Linear)]
    /// W_out: hidden → output (the data's dimension times `outputFactor`).
    public let output: Linear

    /// A network with PyTorch's default initialisation drawn from `generator`.
    ///
    /// - Throws: ``DiffusionError`` when `config` is not valid (`MLPDenoiserConfig/validate()`).
    public init(config: MLPDenoiserConfig, generator: inout RandomGenerator) throws {
        try config.validate()
        self.config = config
        let width = config.hiddenWidth
        input = Linear(config.dataDimension, width, generator: &generator)
        timeEmbedding = Linear(config.timeEmbeddingDimension, width, generator: &generator)
        timeProjection = Linear(width, width, generator: &generator)
        blocks = (0..<config.blocks).map { _ in
            (Linear(width, width, generator: &generator), Linear(width, width, generator: &generator))
        }
        output = Linear(width, config.dataDimension * config.outputFactor, generator: &generator)
    }

    /// The layers with their parameter paths (`input`, `time_embedding`, `blocks.0.first`, …).
    public var children: [(name: String, module: any Module)] {
        var result: [(name: String, module: any Module)] = [
            ("input", input), ("time_embedding", timeEmbedding),
            ("time_projection", timeProjection),
        ]
        for (index, block) in blocks.enumerated() {
            result.append(("blocks.\(index).first", block.first))
            result.append(("blocks.\(index).second", block.second))
        }
        result.append(("output", output))
        return result
    }

    /// The sinusoidal embedding `[B, d]` of the timesteps.
    public static func sinusoidalEmbedding(_ timesteps: [Int], dimension: Int) -> Tensor {
        sinusoidalEmbedding(timesteps.map(Double.init), dimension: dimension)
    }

    /// The sinusoidal embedding `[B, d]` of continuous timesteps.
    public static func sinusoidalEmbedding(_ timesteps: [Double], dimension: Int) -> Tensor {
        let half = dimension / 2
        var values = [Float](repeating: 0, count: timesteps.count * dimension)
        for (row, t) in timesteps.enumerated() {
            for k in 0..<half {
                let frequency = Foundation.exp(-Foundation.log(10000.0) * Double(k) / Double(half))
                let angle = t * frequency
                values[row * dimension + k] = Float(Foundation.sin(angle))
                values[row * dimension + half + k] = Float(Foundation.cos(angle))
            }
        }
        return Tensor(shape: [timesteps.count, dimension], scalars: values)
    }

    /// The output for a batch `[B, D]` at 0-based timesteps; class labels are not used.
    public func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        try self(x, continuousTimesteps: timesteps.map(Double.init), classLabels: classLabels)
    }

    /// The prediction at continuous timesteps (the embedding is sinusoidal in t).
    public func callAsFunction(_ x: Tensor, continuousTimesteps timesteps: [Double], classLabels: [Int]?) throws -> Tensor {
        guard timesteps.allSatisfy(\.isFinite) else {
            throw DiffusionError.invalidTimesteps(operation: "MLPDenoiser", reason: "timesteps must be finite, got \(timesteps)")
        }
        guard x.rank == 2, x.shape[1] == config.dataDimension, x.shape[0] >= 1 else {
            throw DiffusionError.shapeMismatch(operation: "MLPDenoiser", expected: "[B, \(config.dataDimension)]", got: x.shape)
        }
        guard timesteps.count == x.shape[0] else {
            throw DiffusionError.invalidTimesteps(
                operation: "MLPDenoiser",
                reason: "\(timesteps.count) timesteps for a batch of \(x.shape[0])")
        }
        if classLabels != nil {
            throw DiffusionError.invalidParameter(name: "class labels", value: "given", accepted: "none: the MLP is unconditional")
        }
        let embedding = Self.sinusoidalEmbedding(timesteps, dimension: config.timeEmbeddingDimension)
        var h = input(x) + timeProjection(timeEmbedding(embedding).silu())
        for block in blocks {
            h = h + block.second(block.first(h.silu()).silu())
        }
        return output(h.silu())
    }
}
