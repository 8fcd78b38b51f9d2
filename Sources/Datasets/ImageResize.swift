/// Resampling of planar float images (`C × H × W`, row-major): area averaging
/// when shrinking an axis, bilinear interpolation (half-pixel centres) when
/// enlarging it, one axis at a time; and the resize-then-centre-crop used to
/// bring images of any size to a square `size × size`.
public enum ImageResize {
    /// For each output index, the source indices and weights that make it.
    static func weights(from source: Int, to target: Int) -> [[(index: Int, weight: Float)]] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { i in
            if target <= source {
                let start = Double(i) * scale, end = Double(i + 1) * scale
                var taps: [(Int, Float)] = []
                var k = Int(start)
                while Double(k) < end && k < source {
                    let overlap = min(end, Double(k + 1)) - max(start, Double(k))
                    if overlap > 1e-9 { taps.append((k, Float(overlap / scale))) }
                    k += 1
                }
                return taps
            }
            let position = min(max((Double(i) + 0.5) * scale - 0.5, 0), Double(source - 1))
            let low = Int(position)
            let fraction = Float(position - Double(low))
            return low + 1 < source ? [(low, 1 - fraction), (low + 1, fraction)] : [(low, Float(1))]
        }
    }

    /// `planes` (`channels × height × width`) resampled to `newHeight × newWidth`.
    public static func resize(
        _ planes: [Float], channels: Int, height: Int, width: Int,
        newHeight: Int, newWidth: Int
    ) -> [Float] {
        precondition(
            planes.count == channels * height * width && newHeight > 0 && newWidth > 0,
            "resize: \(planes.count) values for \(channels)×\(height)×\(width), target \(newHeight)×\(newWidth)")
        if newHeight == height && newWidth == width { return planes }
        let columnTaps = weights(from: width, to: newWidth)
        let rowTaps = weights(from: height, to: newHeight)
        var horizontal = [Float](repeating: 0, count: channels * height * newWidth)
        for c in 0..<channels {
            for y in 0..<height {
                let sourceRow = (c * height + y) * width
                let targetRow = (c * height + y) * newWidth
                for (x, taps) in columnTaps.enumerated() {
                    var sum: Float = 0
                    for tap in taps { sum += tap.weight * planes[sourceRow + tap.index] }
                    horizontal[targetRow + x] = sum
                }
            }
        }
        var out = [Float](repeating: 0, count: channels * newHeight * newWidth)
        for c in 0..<channels {
            for (y, taps) in rowTaps.enumerated() {
                let targetRow = (c * newHeight + y) * newWidth
                for tap in taps {
                    let sourceRow = (c * height + tap.index) * newWidth
                    for x in 0..<newWidth { out[targetRow + x] += tap.weight * horizontal[sourceRow + x] }
                }
            }
        }
        return out
    }

    /// Scales so that the shorter side becomes `size`, then keeps the centred `size × size` square.
    public static func resizeAndCenterCrop(
        _ planes: [Float], channels: Int, height: Int, width: Int,
        size: Int
    ) -> [Float] {
        let scale = Double(size) / Double(min(height, width))
        let newHeight = height <= width ? size : max(size, Int((Double(height) * scale).rounded()))
        let newWidth = width < height ? size : max(size, Int((Double(width) * scale).rounded()))
        let resized = resize(
            planes, channels: channels, height: height, width: width,
            newHeight: newHeight, newWidth: newWidth)
        if newHeight == size && newWidth == size { return resized }
        let top = (newHeight - size) / 2, left = (newWidth - size) / 2
        var out = [Float](repeating: 0, count: channels * size * size)
        for c in 0..<channels {
            for y in 0..<size {
                let sourceRow = (c * newHeight + top + y) * newWidth + left
                for x in 0..<size { out[(c * size + y) * size + x] = resized[sourceRow + x] }
            }
        }
        return out
    }
}
