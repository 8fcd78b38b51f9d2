import Foundation

extension UNetConfig {
    /// Keys of diffusers' `UNet2DModel` config that this implementation reads, and `self_condition` (its own).
    static let knownKeys: Set<String> = [
        "sample_size", "in_channels", "out_channels", "block_out_channels", "layers_per_block",
        "down_block_types", "up_block_types", "mid_block_type", "add_attention", "attention_head_dim",
        "norm_num_groups", "norm_eps", "act_fn", "time_embedding_type", "flip_sin_to_cos", "freq_shift",
        "downsample_padding", "dropout", "resnet_time_scale_shift", "center_input_sample",
        "class_embed_type", "num_class_embeds", "mid_block_scale_factor", "downsample_type",
        "upsample_type", "attn_norm_num_groups", "time_embedding_dim", "num_train_timesteps",
        "self_condition",
    ]

    /// Parses a diffusers `config.json`. Unknown keys are returned as warnings;
    /// unsupported values throw an error that names the key and what is accepted.
    public static func parse(_ data: Data, source: String = "config.json") throws -> (config: UNetConfig, warnings: [String]) {
        let keys: Set<String>
        let presentKeys: Set<String>
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw UNetConfigError(message: "\(source): expected a JSON object at the top level")
            }
            keys = Set(object.filter { !($0.value is NSNull) }.keys)
            presentKeys = Set(object.keys)
        } catch let error as UNetConfigError {
            throw error
        } catch {
            throw UNetConfigError(message: "\(source): not valid JSON (\(error.localizedDescription))")
        }
        let raw: RawUNetConfig
        do {
            raw = try JSONDecoder().decode(RawUNetConfig.self, from: data)
        } catch let DecodingError.typeMismatch(type, context), let DecodingError.valueNotFound(type, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw UNetConfigError(message: "\(source): \(key) must be of type \(type)")
        } catch {
            throw UNetConfigError(message: "\(source): cannot read the configuration (\(error))")
        }
        let warnings = keys.sorted().filter { !$0.hasPrefix("_") && !knownKeys.contains($0) }
            .map { "\(source): ignoring unknown key \"\($0)\"" }
        func unsupported(_ key: String, _ value: String, _ accepted: String) -> UNetConfigError {
            UNetConfigError(message: "\(source): \(key) \"\(value)\" is not supported; accepted: \(accepted)")
        }
        if let name = raw._class_name, name != "UNet2DModel" { throw unsupported("_class_name", name, "UNet2DModel") }
        for (key, value, accepted) in [
            ("act_fn", raw.act_fn, ["silu", "swish"]),
            ("time_embedding_type", raw.time_embedding_type, ["positional"]),
            ("resnet_time_scale_shift", raw.resnet_time_scale_shift, ["default"]),
            ("downsample_type", raw.downsample_type, ["conv"]),
            ("upsample_type", raw.upsample_type, ["conv"]),
        ] {
            if let value, !accepted.contains(value) { throw unsupported(key, value, accepted.joined(separator: ", ")) }
        }
        if let kind = raw.class_embed_type { throw unsupported("class_embed_type", kind, "null (with num_class_embeds)") }
        if let mid = raw.mid_block_type, mid != "UNetMidBlock2D" { throw unsupported("mid_block_type", mid, "UNetMidBlock2D or null") }

        var config = UNetConfig()
        if let size = raw.sample_size {
            guard size.values.count == 1 || size.values.count == 2 else {
                throw UNetConfigError(message: "\(source): sample_size must be an integer or [height, width]")
            }
            config.sampleHeight = size.values[0]
            config.sampleWidth = size.values.last!
        }
        config.inChannels = raw.in_channels ?? config.inChannels
        config.outChannels = raw.out_channels ?? config.outChannels
        config.blockOutChannels = raw.block_out_channels ?? config.blockOutChannels
        config.layersPerBlock = raw.layers_per_block ?? config.layersPerBlock
        if let names = raw.down_block_types {
            config.downBlockTypes = try names.map {
                guard let kind = DownBlock(rawValue: $0) else { throw unsupported("down block", $0, "DownBlock2D, AttnDownBlock2D") }
                return kind
            }
        }
        if let names = raw.up_block_types {
            config.upBlockTypes = try names.map {
                guard let kind = UpBlock(rawValue: $0) else { throw unsupported("up block", $0, "UpBlock2D, AttnUpBlock2D") }
                return kind
            }
        }
        if presentKeys.contains("mid_block_type") { config.hasMidBlock = raw.mid_block_type != nil }
        config.addAttention = raw.add_attention ?? config.addAttention
        if presentKeys.contains("attention_head_dim") { config.attentionHeadDim = raw.attention_head_dim }
        config.normNumGroups = raw.norm_num_groups ?? config.normNumGroups
        if let groups = raw.attn_norm_num_groups, groups != config.normNumGroups {
            throw unsupported("attn_norm_num_groups", String(groups), "null or equal to norm_num_groups")
        }
        config.normEps = raw.norm_eps ?? config.normEps
        config.flipSinToCos = raw.flip_sin_to_cos ?? config.flipSinToCos
        config.freqShift = raw.freq_shift ?? config.freqShift
        config.downsamplePadding = raw.downsample_padding ?? config.downsamplePadding
        config.dropout = raw.dropout ?? config.dropout
        config.centerInputSample = raw.center_input_sample ?? config.centerInputSample
        config.midBlockScaleFactor = raw.mid_block_scale_factor ?? config.midBlockScaleFactor
        config.timeEmbeddingDim = raw.time_embedding_dim
        config.numClassEmbeds = raw.num_class_embeds
        config.selfCondition = raw.self_condition ?? false
        do {
            try config.validate()
        } catch let error as UNetConfigError {
            throw UNetConfigError(message: "\(source): \(error.message)")
        }
        return (config, warnings)
    }

    /// The configuration as diffusers' `config.json` (pretty-printed, sorted keys).
    public func jsonData() -> Data {
        var json: [String: Any] = [
            "_class_name": "UNet2DModel",
            "_diffusers_version": "0.30.0",
            "sample_size": sampleHeight == sampleWidth ? sampleHeight as Any : [sampleHeight, sampleWidth] as Any,
            "in_channels": inChannels,
            "out_channels": outChannels,
            "block_out_channels": blockOutChannels,
            "layers_per_block": layersPerBlock,
            "down_block_types": downBlockTypes.map(\.rawValue),
            "up_block_types": upBlockTypes.map(\.rawValue),
            "mid_block_type": hasMidBlock ? "UNetMidBlock2D" as Any : NSNull(),
            "add_attention": addAttention,
            "attention_head_dim": attentionHeadDim.map { $0 as Any } ?? NSNull(),
            "norm_num_groups": normNumGroups,
            "norm_eps": Double(normEps),
            "act_fn": "silu",
            "time_embedding_type": "positional",
            "flip_sin_to_cos": flipSinToCos,
            "freq_shift": freqShift == freqShift.rounded() ? Int(freqShift) as Any : Double(freqShift) as Any,
            "downsample_padding": downsamplePadding,
            "downsample_type": "conv",
            "upsample_type": "conv",
            "dropout": Double(dropout),
            "resnet_time_scale_shift": "default",
            "center_input_sample": centerInputSample,
            "mid_block_scale_factor": Double(midBlockScaleFactor),
            "class_embed_type": NSNull(),
            "num_class_embeds": numClassEmbeds.map { $0 as Any } ?? NSNull(),
            "time_embedding_dim": timeEmbeddingDim.map { $0 as Any } ?? NSNull(),
        ]
        json["attn_norm_num_groups"] = NSNull()
        if selfCondition { json["self_condition"] = true }
        return (try? JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }
}

/// The keys of a diffusers `config.json` as they are spelled there.
private struct RawUNetConfig: Decodable {
    /// An integer or a list of integers (`sample_size`).
    struct Size: Decodable {
        let values: [Int]
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) { values = [value] } else { values = try container.decode([Int].self) }
        }
    }

    var _class_name: String?
    var sample_size: Size?
    var in_channels: Int?
    var out_channels: Int?
    var block_out_channels: [Int]?
    var layers_per_block: Int?
    var down_block_types: [String]?
    var up_block_types: [String]?
    var mid_block_type: String?
    var add_attention: Bool?
    var attention_head_dim: Int?
    var norm_num_groups: Int?
    var attn_norm_num_groups: Int?
    var norm_eps: Float?
    var act_fn: String?
    var time_embedding_type: String?
    var flip_sin_to_cos: Bool?
    var freq_shift: Float?
    var downsample_padding: Int?
    var downsample_type: String?
    var upsample_type: String?
    var dropout: Float?
    var resnet_time_scale_shift: String?
    var center_input_sample: Bool?
    var class_embed_type: String?
    var num_class_embeds: Int?
    var mid_block_scale_factor: Float?
    var time_embedding_dim: Int?
    var self_condition: Bool?
}
