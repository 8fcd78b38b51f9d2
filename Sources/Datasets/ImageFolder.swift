import Foundation
import Tensors

/// A folder of PNG and JPEG images read (recursively) into an `ImageDataset`.
///
/// - Files are read in sorted order of their path relative to the folder; hidden
///   files and folders (names starting with ".") are ignored.
/// - Labels: when every image lies in a sub-folder, the first sub-folder under the
///   root is its class; class names are those sub-folder names, sorted, and label k is
///   `classNames[k]`. When every image lies directly in the folder, there are no labels.
///   A mix of both is refused.
/// - Channels: gray, RGB, or (by default) RGB if any image has colour, else gray.
///   Alpha is dropped. Values are scaled to [-1, 1] (x = 2·v/max − 1).
/// - Sizes: all images must share one size unless `imageSize` is given, in which case each
///   is scaled so its shorter side is `imageSize` (area averaging / bilinear) and centre-cropped.
/// - Files whose name does not end in ".png", ".jpg" or ".jpeg" are skipped and listed in
///   `skippedFiles` (or refused, with `NonImagePolicy.refuse`); an image file that does not
///   decode is an error naming it, and so is a JPEG file in a build without the `JPEG` trait.
public struct ImageFolder {
    /// Which colour channels to produce.
    public enum ChannelMode: String, Sendable {
        /// Grey if every image is grey, else RGB.
        case automatic
        /// Grey (colour images are turned to luma).
        case gray
        /// RGB (grey images are repeated into three channels).
        case rgb
    }

    /// What to do with files that are not PNG or JPEG images.
    public enum NonImagePolicy: Sendable {
        /// Skip them and list them in `skippedFiles`.
        case skip
        /// Refuse the folder, naming the first such file.
        case refuse
    }

    /// How to read the folder.
    public struct Options: Sendable {
        /// When set, every image is resized and centre-cropped to `imageSize × imageSize`.
        public var imageSize: Int?
        /// Which channels to produce: as the files have them, grey or RGB.
        public var channels: ChannelMode
        /// What to do with files that are not images.
        public var nonImageFiles: NonImagePolicy
        /// Sizes beyond which a file is refused.
        public var limits: PNG.Limits
        /// The most values (N·C·H·W) the dataset may hold; 2^30 by default (4 GiB of Float).
        public var maximumValues: Int

        /// Options; by default images are taken at their own size and channels, other files skipped.
        public init(
            imageSize: Int? = nil, channels: ChannelMode = .automatic, nonImageFiles: NonImagePolicy = .skip,
            limits: PNG.Limits = PNG.Limits(), maximumValues: Int = 1 << 30
        ) {
            self.imageSize = imageSize
            self.channels = channels
            self.nonImageFiles = nonImageFiles
            self.limits = limits
            self.maximumValues = maximumValues
        }
    }

    /// The images, labels and class names.
    public let dataset: ImageDataset
    /// The image files read, relative to the folder, in dataset order.
    public let files: [String]
    /// Files that were not read because they are not PNG or JPEG images, relative to the folder.
    public let skippedFiles: [String]

    /// Reads the folder at `path`.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public init(path: String, options: Options = Options()) throws {
        let listing = try Listing(path: path, options: options)
        let (images, skipped, labels, classNames) = (listing.files, listing.skippedFiles, listing.labels, listing.classNames)

        var decoded: [(planes: [Float], channels: Int, height: Int, width: Int)] = []
        var total = 0
        for relative in images {
            let file = path + "/" + relative
            let image = try Self.decodePlanes(file, imageSize: options.imageSize, limits: options.limits)
            if options.imageSize == nil, let first = decoded.first, first.height != image.height || first.width != image.width {
                throw DatasetError(
                    file: file,
                    problem: "is \(image.width)×\(image.height) but \(images[0]) is \(first.width)×\(first.height); "
                        + "images of mixed sizes need an image size to resize and centre-crop to")
            }
            total += 3 * image.height * image.width
            if total > options.maximumValues {
                throw DatasetError(file: path, problem: "the images exceed the limit of \(options.maximumValues) values")
            }
            decoded.append(image)
        }

        let anyColor = decoded.contains { $0.channels == 3 }
        let channels: Int
        switch options.channels {
        case .gray: channels = 1
        case .rgb: channels = 3
        case .automatic: channels = anyColor ? 3 : 1
        }
        let (height, width) = (decoded[0].height, decoded[0].width)
        let plane = height * width
        var scalars: [Float] = []
        scalars.reserveCapacity(decoded.count * channels * plane)
        for item in decoded { scalars += Self.converted(item.planes, from: item.channels, to: channels, plane: plane) }
        dataset = try ImageDataset(
            images: Tensor(shape: [decoded.count, channels, height, width], scalars: scalars),
            labels: labels, classNames: classNames)
        files = images
        skippedFiles = skipped
    }

    /// The image files of a folder, their labels and the files skipped, checked as `init` checks them
    /// (the first step of reading a folder, without decoding anything).
    public struct Listing: Sendable {
        /// The image files, sorted.
        public let files: [String]
        /// The files that are not images (with the `.skip` policy).
        public let skippedFiles: [String]
        /// One label per file when the folder has one sub-folder per class.
        public let labels: [Int]?
        /// The class sub-folders' names, in label order.
        public let classNames: [String]?

        /// Lists the folder at `path`.
        ///
        /// - Throws: ``DatasetError`` when it is not a folder, holds no image, or (with `.refuse`) holds another file.
        public init(path: String, options: Options = Options()) throws {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw DatasetError(file: path, problem: "no such folder")
            }
            guard isDirectory.boolValue else {
                throw DatasetError(file: path, problem: "is a file, expected a folder of PNG or JPEG images")
            }
            if let size = options.imageSize, size < 1 || size > 1 << 14 {
                throw DatasetError(file: path, problem: "image size \(size) is out of range (1 to 16384)")
            }
            let (images, skipped) = try ImageFolder.listFiles(in: path)
            if options.nonImageFiles == .refuse, let first = skipped.first {
                throw DatasetError(
                    file: path + "/" + first,
                    problem: "not a PNG or JPEG image (only .png, .jpg and .jpeg files are read; remove it or skip non-image files)")
            }
            guard !images.isEmpty else {
                let note = skipped.isEmpty ? "" : " (\(skipped.count) other files skipped, e.g. \(skipped[0]))"
                throw DatasetError(file: path, problem: "no PNG or JPEG images in this folder or its sub-folders\(note)")
            }
            (labels, classNames) = try ImageFolder.labels(for: images, root: path)
            files = images
            skippedFiles = skipped
        }
    }

    /// One image file as planes in [-1, 1] with its own colour channels (1 or 3), resized and
    /// centre-cropped to `imageSize` when given.
    static func decodePlanes(
        _ file: String, imageSize: Int?,
        limits: PNG.Limits
    ) throws -> (planes: [Float], channels: Int, height: Int, width: Int) {
        let image = try read(file, limits: limits)
        let channels = image.colorModel.colorChannels
        let planes = image.planes(channels: channels)
        guard let size = imageSize else { return (planes, channels, image.height, image.width) }
        return (
            ImageResize.resizeAndCenterCrop(planes, channels: channels, height: image.height, width: image.width, size: size),
            channels, size, size
        )
    }

    /// Planes of `from` channels as `to` channels: grey repeated into RGB, RGB to grey by BT.601 luma.
    static func converted(_ planes: [Float], from: Int, to: Int, plane: Int) -> [Float] {
        if from == to { return planes }
        if to == 3 { return planes + planes + planes }
        return (0..<plane).map { p in 0.299 * planes[p] + 0.587 * planes[plane + p] + 0.114 * planes[2 * plane + p] }
    }

    /// The PNG and JPEG files and the other files under `root`, relative to it, sorted.
    private static func listFiles(in root: String) throws -> (images: [String], skipped: [String]) {
        let rootURL = URL(fileURLWithPath: root).resolvingSymlinksInPath()
        let keys: [URLResourceKey] = [.isSymbolicLinkKey]
        var failure: (URL, Error)?
        guard
            let enumerator = FileManager.default.enumerator(
                at: rootURL, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles],
                errorHandler: { url, error in
                    failure = (url, error)
                    return false
                })
        else {
            throw DatasetError(file: root, problem: "cannot list the folder")
        }
        var images: [String] = [], skipped: [String] = []
        let rootComponents = rootURL.pathComponents
        for case let url as URL in enumerator {
            let parent = url.deletingLastPathComponent().resolvingSymlinksInPath().pathComponents
            let inside = parent.starts(with: rootComponents) ? Array(parent.dropFirst(rootComponents.count)) : []
            let relative = (inside + [url.lastPathComponent]).joined(separator: "/")
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            if exists && isDirectory.boolValue {
                // Real sub-folders are descended into; symbolic links to folders are not followed.
                if (try? url.resourceValues(forKeys: Set(keys)))?.isSymbolicLink == true { skipped.append(relative + "/") }
                continue
            }
            if exists && Self.isImageFile(url.pathExtension) {
                images.append(relative)
            } else {
                skipped.append(relative)
            }
        }
        if let (url, error) = failure {
            throw DatasetError(file: url.path, problem: "cannot read: \(error.localizedDescription)")
        }
        return (images.sorted(), skipped.sorted())
    }

    /// Whether a file name extension is one of an image format read here.
    static func isImageFile(_ pathExtension: String) -> Bool {
        let lowered = pathExtension.lowercased()
        return lowered == "png" || JPEG.fileExtensions.contains(lowered)
    }

    /// Decodes one image file by its extension.
    static func read(_ file: String, limits: PNG.Limits) throws -> PixelImage {
        let lowered = (file as NSString).pathExtension.lowercased()
        return JPEG.fileExtensions.contains(lowered)
            ? try JPEG.read(contentsOfFile: file, limits: limits)
            : try PNG.read(contentsOfFile: file, limits: limits)
    }

    /// Class labels from the first sub-folder of each image, or none if all are at the top.
    private static func labels(for images: [String], root: String) throws -> ([Int]?, [String]?) {
        let classOf = images.map { $0.split(separator: "/", maxSplits: 1).count > 1 ? String($0.split(separator: "/")[0]) : nil }
        if classOf.allSatisfy({ $0 == nil }) { return (nil, nil) }
        if let top = images.indices.first(where: { classOf[$0] == nil }) {
            let nested = images.indices.first(where: { classOf[$0] != nil })!
            throw DatasetError(
                file: root,
                problem: "images both at the top level (\(images[top])) and in sub-folders (\(images[nested])); "
                    + "put every image in a class sub-folder, or none")
        }
        let names = Array(Set(classOf.compactMap { $0 })).sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        return (classOf.map { index[$0!]! }, names)
    }
}
