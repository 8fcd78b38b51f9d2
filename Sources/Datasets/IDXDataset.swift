import Tensors

extension ImageDataset {
    /// Loads an IDX image file (`N × rows × cols` bytes, raw or gzip) and optionally its
    /// label file, scaled to [-1, 1] as x = 2·byte/255 − 1, keeping the images of `split`.
    /// Labels must be 0…255; class names are the label values present, as text.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func loadIDX(imagesFile: String, labelsFile: String? = nil, split: DataSplit = .all) throws -> ImageDataset {
        let images = try IDX.readImages(contentsOfFile: imagesFile)
        let (count, rows, columns) = (images.dimensions[0], images.dimensions[1], images.dimensions[2])
        guard count > 0, rows > 0, columns > 0 else {
            throw DatasetError(file: imagesFile, problem: "holds no images (dimensions \(count) × \(rows) × \(columns))")
        }
        var labelBytes: [UInt8]?
        if let labelsFile {
            let labels = try IDX.readLabels(contentsOfFile: labelsFile)
            guard labels.dimensions[0] == count else {
                throw DatasetError(file: labelsFile, problem: "\(labels.dimensions[0]) labels for the \(count) images of \(imagesFile)")
            }
            labelBytes = labels.bytes
        }
        let kept = (0..<count).filter { split.contains($0) }
        let size = rows * columns
        let table = (0...255).map { 2 * Float($0) / 255 - 1 }
        var scalars = [Float](repeating: 0, count: kept.count * size)
        images.bytes.withUnsafeBufferPointer { source in
            table.withUnsafeBufferPointer { table in
                scalars.withUnsafeMutableBufferPointer { target in
                    for (row, index) in kept.enumerated() {
                        for k in 0..<size { target[row * size + k] = table[Int(source[index * size + k])] }
                    }
                }
            }
        }
        let labels = labelBytes.map { bytes in kept.map { Int(bytes[$0]) } }
        let classCount = labelBytes.map { Int($0.max() ?? 0) + 1 }
        return try ImageDataset(
            images: Tensor(shape: [kept.count, 1, rows, columns], scalars: scalars),
            labels: labels, classNames: classCount.map { (0..<$0).map(String.init) })
    }
}
