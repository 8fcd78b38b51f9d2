import Tensors

/// The pooling and resizing the FID Inception network needs, forward only
/// (feature extraction records no gradient), on NCHW tensors, as PyTorch
/// computes them.
enum InceptionPooling {
    /// `F.max_pool2d(x, kernel, stride, padding)`: padded positions never win.
    static func maxPool(_ x: Tensor, kernel: Int, stride: Int, padding: Int = 0) -> Tensor {
        pool(x, kernel: kernel, stride: stride, padding: padding, maximum: true)
    }

    /// `F.avg_pool2d(x, kernel, stride, padding, count_include_pad=False)`:
    /// the mean of the window's positions inside the image.
    static func averagePool(_ x: Tensor, kernel: Int, stride: Int, padding: Int) -> Tensor {
        pool(x, kernel: kernel, stride: stride, padding: padding, maximum: false)
    }

    /// One output per window of each channel's plane: the maximum, or the mean
    /// of the positions inside the image (the window clipped to the plane).
    private static func pool(_ x: Tensor, kernel: Int, stride: Int, padding: Int, maximum: Bool) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (h + 2 * padding - kernel) / stride + 1, ow = (w + 2 * padding - kernel) / stride + 1
        var output = [Float](repeating: 0, count: n * c * oh * ow)
        x.scalars.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                let (input, output) = (input.baseAddress!, output.baseAddress!)
                Parallel.forEachChunk(n * c) { planes in
                    for plane in planes {
                        let source = input + plane * h * w, target = output + plane * oh * ow
                        for oy in 0..<oh {
                            let rows = Swift.max(oy * stride - padding, 0)..<Swift.min(oy * stride - padding + kernel, h)
                            for ox in 0..<ow {
                                let columns = Swift.max(ox * stride - padding, 0)..<Swift.min(ox * stride - padding + kernel, w)
                                var value: Float = maximum ? -.infinity : 0
                                for y in rows {
                                    for column in columns {
                                        let v = source[y * w + column]
                                        value = maximum ? Swift.max(value, v) : value + v
                                    }
                                }
                                target[oy * ow + ox] = maximum ? value : value / Float(rows.count * columns.count)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, c, oh, ow], scalars: output)
    }

    /// `F.interpolate(x, size: (height, width), mode: "bilinear", align_corners: False)`:
    /// output pixel centres mapped back onto the input, `s = (o + ½)·in/out − ½`
    /// clamped at 0, and the two nearest rows and columns mixed linearly.
    static func resizeBilinear(_ x: Tensor, height: Int, width: Int) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        func taps(_ size: Int, _ out: Int) -> [(Int, Int, Float)] {
            let scale = Float(size) / Float(out)
            return (0..<out).map { o in
                let s = Swift.max((Float(o) + 0.5) * scale - 0.5, 0)
                let low = Swift.min(Int(s), size - 1)
                let high = Swift.min(low + 1, size - 1)
                return (low, high, s - Float(low))
            }
        }
        let rows = taps(h, height), columns = taps(w, width)
        let input = x.scalars
        var output = [Float](repeating: 0, count: n * c * height * width)
        output.withUnsafeMutableBufferPointer { output in
            let output = output
            Parallel.forEachChunk(n * c) { planes in
                for plane in planes {
                    let source = plane * h * w, target = plane * height * width
                    for (oy, (y0, y1, fy)) in rows.enumerated() {
                        for (ox, (x0, x1, fx)) in columns.enumerated() {
                            let top = input[source + y0 * w + x0] * (1 - fx) + input[source + y0 * w + x1] * fx
                            let bottom = input[source + y1 * w + x0] * (1 - fx) + input[source + y1 * w + x1] * fx
                            output[target + oy * width + ox] = top * (1 - fy) + bottom * fy
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, c, height, width], scalars: output)
    }
}
