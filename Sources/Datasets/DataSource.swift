import Foundation

/// What a `--data` argument names: `mnist` or `digits` (bundled), `toy:NAME` (a 2-D toy
/// distribution), a folder of PNG (or JPEG) images, or an IDX image file (its label file is used
/// when it sits alongside with "labels"/"idx1" in place of "images"/"idx3" in the name), or
/// `cifar10:DIR` / `cifar100:DIR` (the binary CIFAR batches in DIR).
public enum DataSource: Equatable, Sendable, CustomStringConvertible {
    /// A dataset shipped with the package: `mnist` or `digits`.
    case bundled(BundledDataset)
    /// A 2-D toy distribution: `toy:NAME`.
    case toy(ToyDistribution)
    /// A folder of PNG (or JPEG) images, one sub-folder per class if labelled.
    case imageFolder(path: String)
    /// An IDX image file and, when found beside it, its label file.
    case idx(images: String, labels: String?)
    /// The binary CIFAR-10 or CIFAR-100 batches in a directory: `cifar10:DIR`, `cifar100:DIR`.
    case cifar(CIFAR, directory: String)

    /// The accepted forms, for error messages and help text.
    public static let acceptedForms =
        "mnist, digits, toy:NAME (\(ToyDistribution.allCases.map(\.rawValue).joined(separator: ", "))), "
        + "cifar10:DIR, cifar100:DIR, a folder of PNG or JPEG images, or an IDX image file"

    /// Parses a `--data` argument; paths must exist.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public init(parsing argument: String) throws {
        if let bundled = BundledDataset(rawValue: argument.lowercased()) {
            self = .bundled(bundled)
            return
        }
        if argument.lowercased().hasPrefix("toy:") {
            let name = String(argument.dropFirst(4))
            guard let toy = ToyDistribution(name: name) else {
                throw DatasetError(
                    file: argument,
                    problem:
                        "unknown toy distribution '\(name)'; choose one of \(ToyDistribution.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            self = .toy(toy)
            return
        }
        if let colon = argument.firstIndex(of: ":"), let cifar = CIFAR(rawValue: argument[..<colon].lowercased()) {
            let directory = String(argument[argument.index(after: colon)...])
            var isDirectory: ObjCBool = false
            guard !directory.isEmpty, FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw DatasetError(
                    file: argument,
                    problem: "no such folder '\(directory)'; give \(cifar.rawValue):DIR with DIR the "
                        + "folder of the binary batches (\(cifar.folderName)) or the folder holding it")
            }
            self = .cifar(cifar, directory: directory)
            return
        }
        var isDirectory: ObjCBool = false
        guard !argument.isEmpty, FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            throw DatasetError(file: argument, problem: "no such file or folder; expected \(Self.acceptedForms)")
        }
        if isDirectory.boolValue {
            self = .imageFolder(path: argument)
            return
        }
        let url = URL(fileURLWithPath: argument)
        let name = url.lastPathComponent
        let labelName = name.replacingOccurrences(of: "images", with: "labels").replacingOccurrences(of: "idx3", with: "idx1")
        let labelPath = url.deletingLastPathComponent().appendingPathComponent(labelName).path
        let hasLabels = labelName != name && FileManager.default.fileExists(atPath: labelPath)
        self = .idx(images: argument, labels: hasLabels ? labelPath : nil)
    }

    /// The source as it would be given to `init(parsing:)`.
    public var description: String {
        switch self {
        case .bundled(let dataset): return dataset.rawValue
        case .toy(let toy): return "toy:\(toy.rawValue)"
        case .imageFolder(let path): return path
        case .idx(let images, _): return images
        case .cifar(let cifar, let directory): return "\(cifar.rawValue):\(directory)"
        }
    }

    /// Loads the images of an image source (not a toy distribution, which is sampled instead).
    /// - Parameters:
    ///   - split: the fixed split (index % 10 == 9 is test; file order, or sorted path order for folders).
    ///   - folderOptions: how to read an image folder (size, channels, non-image files).
    /// - Returns: the dataset, and the files an image folder skipped (empty otherwise).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public func loadImages(
        split: DataSplit = .all, folderOptions: ImageFolder.Options = ImageFolder.Options()
    )
        throws -> (dataset: ImageDataset, skippedFiles: [String])
    {
        switch self {
        case .bundled(let dataset):
            return (try dataset.load(split: split), [])
        case .toy(let toy):
            throw DatasetError(file: "toy:\(toy.rawValue)", problem: "a toy distribution holds 2-D points, not images")
        case .imageFolder(let path):
            let folder = try ImageFolder(path: path, options: folderOptions)
            return (try folder.dataset.split(split), folder.skippedFiles)
        case .idx(let images, let labels):
            return (try ImageDataset.loadIDX(imagesFile: images, labelsFile: labels, split: split), [])
        case .cifar(let cifar, let directory):
            let dataset = try cifar.load(directory: directory, split: split)
            return (try dataset.converted(size: folderOptions.imageSize, grey: folderOptions.channels == .gray), [])
        }
    }
}
