/// The convolutions of the FID Inception network, as named in pytorch-fid's
/// state dict (torchvision's `Inception3` with the FID blocks), with their
/// sizes. Each is followed by BatchNorm (folded in) and ReLU.
extension InceptionV3FID {
    struct Layer {
        let name: String
        let inChannels: Int
        let outChannels: Int
        let kernel: (Int, Int)
        var stride = 1
        var padding = (0, 0)
    }

    /// The tensors a weights file must hold and their shapes: for each
    /// convolution `NAME.conv.weight` `[out, in, kH, kW]` and `NAME.bn.weight`,
    /// `.bias`, `.running_mean`, `.running_var` `[out]` (470 in all).
    public static var weightShapes: [String: [Int]] {
        var shapes: [String: [Int]] = [:]
        for layer in layers {
            shapes["\(layer.name).conv.weight"] = [layer.outChannels, layer.inChannels, layer.kernel.0, layer.kernel.1]
            for part in ["weight", "bias", "running_mean", "running_var"] { shapes["\(layer.name).bn.\(part)"] = [layer.outChannels] }
        }
        return shapes
    }

    static let layers: [Layer] =
        stem
        + [("Mixed_5b", 192, 32), ("Mixed_5c", 256, 64), ("Mixed_5d", 288, 64)]
        .flatMap { blockA($0.0, in: $0.1, pool: $0.2) }
        + blockB("Mixed_6a", in: 288)
        + [("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)].flatMap { blockC($0.0, c7: $0.1) }
        + blockD("Mixed_7a")
        + blockE("Mixed_7b", in: 1280) + blockE("Mixed_7c", in: 2048)

    private static let stem: [Layer] = [
        Layer(name: "Conv2d_1a_3x3", inChannels: 3, outChannels: 32, kernel: (3, 3), stride: 2),
        Layer(name: "Conv2d_2a_3x3", inChannels: 32, outChannels: 32, kernel: (3, 3)),
        Layer(name: "Conv2d_2b_3x3", inChannels: 32, outChannels: 64, kernel: (3, 3), padding: (1, 1)),
        Layer(name: "Conv2d_3b_1x1", inChannels: 64, outChannels: 80, kernel: (1, 1)),
        Layer(name: "Conv2d_4a_3x3", inChannels: 80, outChannels: 192, kernel: (3, 3)),
    ]

    private static func blockA(_ name: String, in c: Int, pool: Int) -> [Layer] {
        [
            Layer(name: "\(name).branch1x1", inChannels: c, outChannels: 64, kernel: (1, 1)),
            Layer(name: "\(name).branch5x5_1", inChannels: c, outChannels: 48, kernel: (1, 1)),
            Layer(name: "\(name).branch5x5_2", inChannels: 48, outChannels: 64, kernel: (5, 5), padding: (2, 2)),
            Layer(name: "\(name).branch3x3dbl_1", inChannels: c, outChannels: 64, kernel: (1, 1)),
            Layer(name: "\(name).branch3x3dbl_2", inChannels: 64, outChannels: 96, kernel: (3, 3), padding: (1, 1)),
            Layer(name: "\(name).branch3x3dbl_3", inChannels: 96, outChannels: 96, kernel: (3, 3), padding: (1, 1)),
            Layer(name: "\(name).branch_pool", inChannels: c, outChannels: pool, kernel: (1, 1)),
        ]
    }

    private static func blockB(_ name: String, in c: Int) -> [Layer] {
        [
            Layer(name: "\(name).branch3x3", inChannels: c, outChannels: 384, kernel: (3, 3), stride: 2),
            Layer(name: "\(name).branch3x3dbl_1", inChannels: c, outChannels: 64, kernel: (1, 1)),
            Layer(name: "\(name).branch3x3dbl_2", inChannels: 64, outChannels: 96, kernel: (3, 3), padding: (1, 1)),
            Layer(name: "\(name).branch3x3dbl_3", inChannels: 96, outChannels: 96, kernel: (3, 3), stride: 2),
        ]
    }

    private static func blockC(_ name: String, c7: Int) -> [Layer] {
        let row = (1, 7), column = (7, 1), rowPad = (0, 3), columnPad = (3, 0)
        return [
            Layer(name: "\(name).branch1x1", inChannels: 768, outChannels: 192, kernel: (1, 1)),
            Layer(name: "\(name).branch7x7_1", inChannels: 768, outChannels: c7, kernel: (1, 1)),
            Layer(name: "\(name).branch7x7_2", inChannels: c7, outChannels: c7, kernel: row, padding: rowPad),
            Layer(name: "\(name).branch7x7_3", inChannels: c7, outChannels: 192, kernel: column, padding: columnPad),
            Layer(name: "\(name).branch7x7dbl_1", inChannels: 768, outChannels: c7, kernel: (1, 1)),
            Layer(name: "\(name).branch7x7dbl_2", inChannels: c7, outChannels: c7, kernel: column, padding: columnPad),
            Layer(name: "\(name).branch7x7dbl_3", inChannels: c7, outChannels: c7, kernel: row, padding: rowPad),
            Layer(name: "\(name).branch7x7dbl_4", inChannels: c7, outChannels: c7, kernel: column, padding: columnPad),
            Layer(name: "\(name).branch7x7dbl_5", inChannels: c7, outChannels: 192, kernel: row, padding: rowPad),
            Layer(name: "\(name).branch_pool", inChannels: 768, outChannels: 192, kernel: (1, 1)),
        ]
    }

    private static func blockD(_ name: String) -> [Layer] {
        [
            Layer(name: "\(name).branch3x3_1", inChannels: 768, outChannels: 192, kernel: (1, 1)),
            Layer(name: "\(name).branch3x3_2", inChannels: 192, outChannels: 320, kernel: (3, 3), stride: 2),
            Layer(name: "\(name).branch7x7x3_1", inChannels: 768, outChannels: 192, kernel: (1, 1)),
            Layer(name: "\(name).branch7x7x3_2", inChannels: 192, outChannels: 192, kernel: (1, 7), padding: (0, 3)),
            Layer(name: "\(name).branch7x7x3_3", inChannels: 192, outChannels: 192, kernel: (7, 1), padding: (3, 0)),
            Layer(name: "\(name).branch7x7x3_4", inChannels: 192, outChannels: 192, kernel: (3, 3), stride: 2),
        ]
    }

    private static func blockE(_ name: String, in c: Int) -> [Layer] {
        [
            Layer(name: "\(name).branch1x1", inChannels: c, outChannels: 320, kernel: (1, 1)),
            Layer(name: "\(name).branch3x3_1", inChannels: c, outChannels: 384, kernel: (1, 1)),
            Layer(name: "\(name).branch3x3_2a", inChannels: 384, outChannels: 384, kernel: (1, 3), padding: (0, 1)),
            Layer(name: "\(name).branch3x3_2b", inChannels: 384, outChannels: 384, kernel: (3, 1), padding: (1, 0)),
            Layer(name: "\(name).branch3x3dbl_1", inChannels: c, outChannels: 448, kernel: (1, 1)),
            Layer(name: "\(name).branch3x3dbl_2", inChannels: 448, outChannels: 384, kernel: (3, 3), padding: (1, 1)),
            Layer(name: "\(name).branch3x3dbl_3a", inChannels: 384, outChannels: 384, kernel: (1, 3), padding: (0, 1)),
            Layer(name: "\(name).branch3x3dbl_3b", inChannels: 384, outChannels: 384, kernel: (3, 1), padding: (1, 0)),
            Layer(name: "\(name).branch_pool", inChannels: c, outChannels: 192, kernel: (1, 1)),
        ]
    }
}
