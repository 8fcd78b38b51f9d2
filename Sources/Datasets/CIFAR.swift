import Foundation
import Tensors

/// The CIFAR-10 and CIFAR-100 data sets in their binary form
/// (<https://www.cs.toronto.edu/~kriz/cifar.html>): files of fixed-size records,
/// each the label byte(s) then 3072 pixel bytes — 1024 red, 1024 green, 1024 blue,
/// each plane 32 rows of 32 — which is already the channel-first layout we use.
///
/// - CIFAR-10 (`cifar-10-batches-bin/`): `data_batch_1.bin` … `data_batch_5.bin`
///   (training, 10,000 records each) and `test_batch.bin`; a record is 1 label byte
///   (0–9) + 3072 bytes; class names in `batches.meta.txt`.
/// - CIFAR-100 (`cifar-100-binary/`): `train.bin` and `test.bin`; a record is the
///   coarse label byte (0–19), the fine label byte (0–99), then 3072 bytes; the fine
///   label is used, names in `fine_label_names.txt`.
///
/// The split is the official one: `.train` reads the training files, `.test` the
/// test file, `.all` both.
public enum CIFAR: String, CaseIterable, Sendable {
    /// CIFAR-10: 10 classes, 50,000 training and 10,000 test images of 32×32.
    case cifar10
    /// CIFAR-100: 100 fine classes, the same image counts.
    case cifar100

    /// Bytes before the pixels of a record.
    public var labelBytes: Int { self == .cifar10 ? 1 : 2 }
    /// Bytes per record.
    public var recordSize: Int { labelBytes + 3072 }
    /// Classes of the (fine) label.
    public var classCount: Int { self == .cifar10 ? 10 : 100 }
    /// The folder name inside the official archive.
    public var folderName: String { self == .cifar10 ? "cifar-10-batches-bin" : "cifar-100-binary" }

    /// The files of `split`, in order.
    public func fileNames(split: DataSplit) -> [String] {
        let train = self == .cifar10 ? (1...5).map { "data_batch_\($0).bin" } : ["train.bin"]
        let test = self == .cifar10 ? ["test_batch.bin"] : ["test.bin"]
        switch split {
        case .train: return train
        case .test: return test
        case .all: return train + test
        }
    }

    /// The folder holding the `.bin` files: `directory` itself, or its official
    /// sub-folder (`cifar-10-batches-bin` / `cifar-100-binary`) when that holds them.
    public func dataFolder(_ directory: String) -> String {
        let inner = URL(fileURLWithPath: directory).appendingPathComponent(folderName).path
        let probe = fileNames(split: .test)[0]
        if !FileManager.default.fileExists(atPath: directory + "/" + probe),
            FileManager.default.fileExists(atPath: inner + "/" + probe)
        {
            return inner
        }
        return directory
    }

    /// Reads `split` from `directory`: images `[N, 3, 32, 32]` in [−1, 1], labels, class names.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public func load(directory: String, split: DataSplit) throws -> ImageDataset {
        let folder = dataFolder(directory)
        let files = fileNames(split: split)
        let missing = files.filter { !FileManager.default.fileExists(atPath: folder + "/" + $0) }
        guard missing.isEmpty else {
            throw DatasetError(
                file: folder,
                problem: "not a \(rawValue == "cifar10" ? "CIFAR-10" : "CIFAR-100") binary folder: "
                    + "missing \(missing.joined(separator: ", ")) (expected \(fileNames(split: .all).joined(separator: ", ")), "
                    + "from the 'binary version' archive)")
        }
        var scalars: [Float] = []
        var labels: [Int] = []
        for name in files {
            let path = folder + "/" + name
            let bytes = try FileAccess.readBytes(atPath: path, maximumBytes: 1 << 30)
            let (records, part) = try decode(bytes, source: path)
            scalars += records
            labels += part
        }
        return try ImageDataset(
            images: Tensor(shape: [labels.count, 3, 32, 32], scalars: scalars), labels: labels,
            classNames: classNames(in: folder))
    }

    /// The pixels (in [−1, 1]) and labels of the records in `bytes`.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public func decode(_ bytes: [UInt8], source: String) throws -> (pixels: [Float], labels: [Int]) {
        guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
            throw DatasetError(
                file: source,
                problem: "\(bytes.count) bytes is not a whole number of \(recordSize)-byte records "
                    + "(\(labelBytes) label byte\(labelBytes == 1 ? "" : "s") + 3072 pixel bytes); the file is truncated or not \(rawValue) binary"
            )
        }
        let count = bytes.count / recordSize
        var pixels = [Float](repeating: 0, count: count * 3072)
        var labels = [Int](repeating: 0, count: count)
        for record in 0..<count {
            let base = record * recordSize
            let label = Int(bytes[base + labelBytes - 1])
            if self == .cifar100, bytes[base] >= 20 {
                throw DatasetError(file: source, problem: "record \(record) has coarse label \(bytes[base]); CIFAR-100 has 20 (0–19)")
            }
            guard label < classCount else {
                throw DatasetError(
                    file: source,
                    problem: "record \(record) has label \(label); \(rawValue) has \(classCount) classes (0–\(classCount - 1))")
            }
            labels[record] = label
            for i in 0..<3072 { pixels[record * 3072 + i] = Float(bytes[base + labelBytes + i]) / 127.5 - 1 }
        }
        return (pixels, labels)
    }

    /// Class names from the archive's text file (one per line) when present and complete;
    /// else CIFAR-10's published names, or "0"…"99" for CIFAR-100. Always every class, so a
    /// subset of the data still has the full label range.
    func classNames(in folder: String) -> [String] {
        let file = folder + "/" + (self == .cifar10 ? "batches.meta.txt" : "fine_label_names.txt")
        if let text = try? String(contentsOfFile: file, encoding: .utf8) {
            let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if names.count == classCount { return names }
        }
        return self == .cifar10
            ? ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
            : (0..<classCount).map(String.init)
    }
}
