import Tensors

/// Tiles a batch of images into one picture: rows of `columns` images separated
/// (and framed) by `padding` pixels of a fill value, like torchvision's `make_grid`.
public enum ImageGrid {
    /// The largest grid made, in pixels (2^28).
    public static let maximumPixels = 1 << 28

    /// An 8-bit gray or RGB image of the `[N, C, H, W]` images (values in [-1, 1], C = 1 or 3).
    /// - Parameters:
    ///   - images: the images, `[N, C, H, W]`.
    ///   - columns: images per row; by default ⌈√N⌉.
    ///   - padding: pixels between images and around the border.
    ///   - padValue: the fill, in [-1, 1]; 1 (white) by default.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func make(_ images: Tensor, columns: Int? = nil, padding: Int = 2, padValue: Float = 1) throws -> PixelImage {
        let shape = images.shape
        guard shape.count == 4, shape[0] > 0, shape[1] == 1 || shape[1] == 3, shape[2] > 0, shape[3] > 0 else {
            throw DatasetError(
                file: "image grid", problem: "images of shape \(shape) cannot be tiled; expected [N ≥ 1, 1 or 3, H, W]")
        }
        let (count, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let columns = columns ?? Int(Double(count).squareRoot().rounded(.up))
        guard columns > 0, (0...4096).contains(padding), padValue.isFinite else {
            throw DatasetError(
                file: "image grid",
                problem: "columns must be ≥ 1 and padding 0…4096 (got \(columns), \(padding)), pad value finite")
        }
        let usedColumns = min(columns, count)
        let rows = (count + usedColumns - 1) / usedColumns
        let gridWidth = usedColumns * (width + padding) + padding
        let gridHeight = rows * (height + padding) + padding
        guard gridWidth.multipliedReportingOverflow(by: gridHeight).overflow == false,
            gridWidth * gridHeight <= maximumPixels
        else {
            throw DatasetError(file: "image grid", problem: "a \(gridWidth)×\(gridHeight) grid exceeds \(maximumPixels) pixels")
        }
        let fill = PixelImage.byte(padValue)
        var samples = [UInt16](repeating: fill, count: gridWidth * gridHeight * channels)
        let plane = height * width
        images.scalars.withUnsafeBufferPointer { source in
            for n in 0..<count {
                let top = padding + (n / usedColumns) * (height + padding)
                let left = padding + (n % usedColumns) * (width + padding)
                for c in 0..<channels {
                    for y in 0..<height {
                        for x in 0..<width {
                            let value = source[(n * channels + c) * plane + y * width + x]
                            samples[((top + y) * gridWidth + left + x) * channels + c] = PixelImage.byte(value)
                        }
                    }
                }
            }
        }
        return PixelImage(unchecked: gridWidth, gridHeight, channels == 1 ? .gray : .rgb, 8, samples)
    }

    /// Makes the grid and writes it as a PNG at `path` (atomically).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func write(
        _ images: Tensor, toFile path: String, columns: Int? = nil, padding: Int = 2,
        padValue: Float = 1
    ) throws {
        try PNG.write(make(images, columns: columns, padding: padding, padValue: padValue), toFile: path)
    }
}
