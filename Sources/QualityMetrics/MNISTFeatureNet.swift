import Foundation
import NN
import Tensors

/// A small convolutional classifier of 28×28 grey digits whose penultimate layer
/// gives the features of `--features mnist`: a Fréchet distance for the bundled
/// data that needs no download. Trained by the project itself on the bundled
/// MNIST *training* split (`ddpm train-features`, seed fixed); its weights ship as
/// the resource `mnist-features.safetensors`. Numbers from it are comparable only
/// with numbers from the same network — never with Inception-based FIDs.
///
/// conv 3×3 (1→32) → SiLU → conv 3×3 stride 2 (32→64) → SiLU → conv 3×3 stride 2
/// (64→64) → SiLU → mean over 7×7 → linear 64→128 → SiLU (the features) → linear 128→10.
/// Input `[B, 1, 28, 28]` in [−1, 1].
public final class MNISTFeatureNet: Module {
    /// The length of a feature vector.
    public static let featureDimension = 128
    /// The weights' file in the module's resources.
    public static let resourceName = "mnist-features.safetensors"
    /// What output names the network, so that numbers from different networks are not mixed up.
    public static let displayName = "MNIST features (swift-ddpm's mnist-features.safetensors, 128-d)"

    let conv1, conv2, conv3: Conv2d
    let hidden, output: Linear

    /// A network with fresh weights (to train; `bundled()` loads the shipped ones).
    public init(generator: inout RandomGenerator) {
        conv1 = Conv2d(1, 32, kernelSize: 3, padding: 1, generator: &generator)
        conv2 = Conv2d(32, 64, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        conv3 = Conv2d(64, 64, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        hidden = Linear(64, Self.featureDimension, generator: &generator)
        output = Linear(Self.featureDimension, 10, generator: &generator)
    }

    /// Its layers with their parameter paths.
    public var children: [(name: String, module: any Module)] {
        [("conv1", conv1), ("conv2", conv2), ("conv3", conv3), ("hidden", hidden), ("output", output)]
    }

    /// The 128-d features `[B, 128]` of a batch `[B, 1, 28, 28]`.
    ///
    /// - Throws: ``MetricsError`` saying what input was wrong and what is accepted.
    public func features(_ images: Tensor) throws -> Tensor {
        guard images.rank == 4, images.shape[1] == 1, images.shape[2] == 28, images.shape[3] == 28 else {
            throw MetricsError("the MNIST feature network takes grey 28×28 images [B, 1, 28, 28]; got \(images.shape)")
        }
        let h = conv3(conv2(conv1(images).silu()).silu()).silu().mean(axes: [2, 3])
        return hidden(h).silu()
    }

    /// Class scores `[B, 10]`.
    ///
    /// - Throws: ``MetricsError`` saying what input was wrong and what is accepted.
    public func logits(_ images: Tensor) throws -> Tensor { output(try features(images)) }

    /// The features of many images, `batchSize` at a time, without recording gradients.
    ///
    /// - Throws: ``MetricsError`` saying what input was wrong and what is accepted.
    public func features(of images: Tensor, batchSize: Int = 256) throws -> [Float] {
        try checkedFeatures(of: images, batchSize: batchSize)
    }

    /// The network with the shipped weights.
    ///
    /// - Throws: ``MetricsError`` or the weight file's error when the shipped weights cannot be read.
    public static func bundled() throws -> MNISTFeatureNet {
        var generator = RandomGenerator(seed: 0)
        let network = MNISTFeatureNet(generator: &generator)
        try network.loadSafetensors(from: try resourceURL())
        return network
    }

    /// Where the shipped weights are: the package's resource bundle beside the executable,
    /// else the source tree it was built from.
    static func resourceURL() throws -> URL {
        var candidates: [URL] = []
        var parents = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL { parents.append(executable.resolvingSymlinksInPath().deletingLastPathComponent()) }
        for parent in parents {
            for name in ["swift-ddpm_QualityMetrics.resources", "swift-ddpm_QualityMetrics.bundle"] {
                candidates.append(parent.appendingPathComponent(name).appendingPathComponent("Resources"))
                candidates.append(parent.appendingPathComponent(name).appendingPathComponent("Contents/Resources/Resources"))
            }
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources"))
        guard
            let found = candidates.map({ $0.appendingPathComponent(resourceName) })
                .first(where: { FileManager.default.fileExists(atPath: $0.path) })
        else {
            throw MetricsError(
                "cannot find \(resourceName); looked in \(candidates.map(\.path).joined(separator: ", ")); "
                    + "make it with 'ddpm train-features --out \(resourceName)'")
        }
        return found
    }
}
