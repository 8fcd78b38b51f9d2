import Foundation
import NN
import Tensors

/// The FID variant of Inception-v3 (pytorch-fid's `InceptionV3` with its
/// `FIDInceptionA/C/E` blocks, TensorFlow's 2015-12-05 graph), to its pool3
/// features: each image resized to 299×299 (bilinear), scaled from [0, 1] to
/// [−1, 1], grey images repeated to 3 channels, then the 2048-d average of
/// the last block. Its FIDs are the numbers papers report.
///
/// The weights come from the user: `tools/convert_inception_weights.py` turns
/// pytorch-fid's `pt_inception-2015-12-05-6726825d.pth` into safetensors with
/// the same names. Each BatchNorm (eval, ε = 0.001) is folded into its
/// convolution as the weights load.
public final class InceptionV3FID: @unchecked Sendable {
    /// The length of a feature vector (the pool3 layer).
    public static let featureDimension = 2048
    /// What output names the network, so that numbers from different networks are not mixed up.
    public static let displayName = "Inception-v3 pool3 (pytorch-fid's FID weights, 2048-d)"
    /// Where pytorch-fid publishes the weights the converter reads.
    public static let weightsURL =
        "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth"

    /// A convolution with its BatchNorm folded in, then ReLU (torchvision's `BasicConv2d`).
    struct BasicConv {
        let weight: Tensor
        let bias: Tensor
        let stride: Int
        let padding: Conv2DPadding

        func callAsFunction(_ x: Tensor) -> Tensor {
            x.conv2d(weight, bias: bias, stride: (stride, stride), padding: padding).relu()
        }
    }

    private let convs: [String: BasicConv]
    /// The hash of the folded weights, in layer order (`fingerprint`).
    let weightsHash: String

    /// Loads the converted weights; refuses a file that lacks a tensor or has one of another shape.
    public convenience init(contentsOf url: URL) throws {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(contentsOf: url)
        } catch {
            throw MetricsError(
                "\(url.path): not a readable safetensors file of Inception weights (\(error)); "
                    + "convert pytorch-fid's weights with tools/convert_inception_weights.py")
        }
        try self.init(source: url.path) { name, shape in
            guard file.entries[name] != nil else {
                throw MetricsError(
                    "\(url.path): no tensor \(name); this is not a converted FID Inception file "
                        + "(tools/convert_inception_weights.py)")
            }
            let tensor = try file.tensor(named: name)
            guard tensor.shape == shape else {
                throw MetricsError("\(url.path): \(name) has shape \(tensor.shape), the FID Inception network needs \(shape)")
            }
            return tensor
        }
    }

    /// Builds the network from `tensor(name, shape)`, which gives each state-dict
    /// entry (`Mixed_5b.branch1x1.conv.weight`, `….bn.running_var`, …).
    init(source: String, tensor: (String, [Int]) throws -> Tensor) throws {
        var convs: [String: BasicConv] = [:]
        var hash = FNV1aHash()
        for layer in Self.layers {
            let (cin, cout) = (layer.inChannels, layer.outChannels)
            let weight = try tensor("\(layer.name).conv.weight", [cout, cin, layer.kernel.0, layer.kernel.1])
            let gamma = try tensor("\(layer.name).bn.weight", [cout]).scalars
            let beta = try tensor("\(layer.name).bn.bias", [cout]).scalars
            let mean = try tensor("\(layer.name).bn.running_mean", [cout]).scalars
            let variance = try tensor("\(layer.name).bn.running_var", [cout]).scalars
            // y = γ (conv(x) − μ)/√(σ² + ε) + β: the scale goes into the weight, the rest into a bias.
            let perOutput = cin * layer.kernel.0 * layer.kernel.1
            var folded = weight.scalars
            var bias = [Float](repeating: 0, count: cout)
            for o in 0..<cout {
                let scale = Double(gamma[o]) / (Double(variance[o]) + 1e-3).squareRoot()
                for k in 0..<perOutput { folded[o * perOutput + k] = Float(Double(folded[o * perOutput + k]) * scale) }
                bias[o] = Float(Double(beta[o]) - Double(mean[o]) * scale)
            }
            hash.add(folded)
            hash.add(bias)
            convs[layer.name] = BasicConv(
                weight: Tensor(shape: weight.shape, scalars: folded), bias: Tensor(shape: [cout], scalars: bias),
                stride: layer.stride,
                padding: Conv2DPadding(
                    top: layer.padding.0, bottom: layer.padding.0, left: layer.padding.1,
                    right: layer.padding.1))
        }
        self.convs = convs
        weightsHash = hash.hexadecimal
    }

    /// The pool3 features `[B, 2048]` of images `[B, C, H, W]` in [0, 1], C = 1 or 3.
    ///
    /// - Throws: ``MetricsError`` saying what input was wrong and what is accepted.
    public func features(_ images: Tensor) throws -> Tensor {
        guard images.rank == 4, images.shape[1] == 1 || images.shape[1] == 3 else {
            throw MetricsError("the Inception network takes images [B, 1 or 3, H, W] in [0, 1]; got \(images.shape)")
        }
        return GradMode.withoutGradient {
            var x = images.shape[1] == 1 ? Tensor.concat([images, images, images], axis: 1) : images
            x = InceptionPooling.resizeBilinear(x, height: 299, width: 299) * 2 - 1
            x = conv("Conv2d_1a_3x3", x)
            x = conv("Conv2d_2a_3x3", x)
            x = conv("Conv2d_2b_3x3", x)
            x = InceptionPooling.maxPool(x, kernel: 3, stride: 2)
            x = conv("Conv2d_3b_1x1", x)
            x = conv("Conv2d_4a_3x3", x)
            x = InceptionPooling.maxPool(x, kernel: 3, stride: 2)
            for block in ["Mixed_5b", "Mixed_5c", "Mixed_5d"] { x = blockA(block, x) }
            x = blockB("Mixed_6a", x)
            for block in ["Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"] { x = blockC(block, x) }
            x = blockD("Mixed_7a", x)
            x = blockE("Mixed_7b", x, maxPooling: false)
            x = blockE("Mixed_7c", x, maxPooling: true)
            return x.mean(axes: [2, 3])
        }
    }

    private func conv(_ name: String, _ x: Tensor) -> Tensor { convs[name]!(x) }

    /// FIDInceptionA: 1×1; 1×1 → 5×5; 1×1 → 3×3 → 3×3; average pool (padding not counted) → 1×1.
    private func blockA(_ name: String, _ x: Tensor) -> Tensor {
        let b1 = conv("\(name).branch1x1", x)
        let b5 = conv("\(name).branch5x5_2", conv("\(name).branch5x5_1", x))
        let b3 = conv("\(name).branch3x3dbl_3", conv("\(name).branch3x3dbl_2", conv("\(name).branch3x3dbl_1", x)))
        let pool = conv("\(name).branch_pool", InceptionPooling.averagePool(x, kernel: 3, stride: 1, padding: 1))
        return Tensor.concat([b1, b5, b3, pool], axis: 1)
    }

    /// InceptionB (the grid reduction 35 → 17): 3×3 stride 2; 1×1 → 3×3 → 3×3 stride 2; max pool stride 2.
    private func blockB(_ name: String, _ x: Tensor) -> Tensor {
        let b3 = conv("\(name).branch3x3", x)
        let d = conv("\(name).branch3x3dbl_3", conv("\(name).branch3x3dbl_2", conv("\(name).branch3x3dbl_1", x)))
        return Tensor.concat([b3, d, InceptionPooling.maxPool(x, kernel: 3, stride: 2)], axis: 1)
    }

    /// FIDInceptionC: 1×1; 1×1 → 1×7 → 7×1; 1×1 → 7×1 → 1×7 → 7×1 → 1×7; average pool → 1×1.
    private func blockC(_ name: String, _ x: Tensor) -> Tensor {
        let b1 = conv("\(name).branch1x1", x)
        var b7 = x
        for k in 1...3 { b7 = conv("\(name).branch7x7_\(k)", b7) }
        var d = x
        for k in 1...5 { d = conv("\(name).branch7x7dbl_\(k)", d) }
        let pool = conv("\(name).branch_pool", InceptionPooling.averagePool(x, kernel: 3, stride: 1, padding: 1))
        return Tensor.concat([b1, b7, d, pool], axis: 1)
    }

    /// InceptionD (17 → 8): 1×1 → 3×3 stride 2; 1×1 → 1×7 → 7×1 → 3×3 stride 2; max pool stride 2.
    private func blockD(_ name: String, _ x: Tensor) -> Tensor {
        let b3 = conv("\(name).branch3x3_2", conv("\(name).branch3x3_1", x))
        var b7 = x
        for k in 1...4 { b7 = conv("\(name).branch7x7x3_\(k)", b7) }
        return Tensor.concat([b3, b7, InceptionPooling.maxPool(x, kernel: 3, stride: 2)], axis: 1)
    }

    /// FIDInceptionE_1 / _2: 1×1; 1×1 → (1×3 ‖ 3×1); 1×1 → 3×3 → (1×3 ‖ 3×1); a 3×3 average
    /// pool (padding not counted; E_1) or max pool (E_2) → 1×1.
    private func blockE(_ name: String, _ x: Tensor, maxPooling: Bool) -> Tensor {
        let b1 = conv("\(name).branch1x1", x)
        let s = conv("\(name).branch3x3_1", x)
        let b3 = Tensor.concat([conv("\(name).branch3x3_2a", s), conv("\(name).branch3x3_2b", s)], axis: 1)
        let t = conv("\(name).branch3x3dbl_2", conv("\(name).branch3x3dbl_1", x))
        let d = Tensor.concat([conv("\(name).branch3x3dbl_3a", t), conv("\(name).branch3x3dbl_3b", t)], axis: 1)
        let pooled =
            maxPooling
            ? InceptionPooling.maxPool(x, kernel: 3, stride: 1, padding: 1)
            : InceptionPooling.averagePool(x, kernel: 3, stride: 1, padding: 1)
        return Tensor.concat([b1, b3, d, conv("\(name).branch_pool", pooled)], axis: 1)
    }
}
