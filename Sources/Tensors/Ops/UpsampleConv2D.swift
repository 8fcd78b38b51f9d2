/// Nearest-neighbour 2× upsampling and a convolution as one op for
/// inference: `upsampleNearest2x()` then `conv2d`, the U-Net's `Upsample2D`.
///
/// Where no gradient is recorded and the convolution takes the Winograd path,
/// the upsampled image is never written out: the convolution's copy of each
/// image into its channels-last staging buffer writes every pixel as a 2×2
/// block (`ck_pad_channels_last_upsampled`), which saves writing and reading
/// back a tensor four times the input. Otherwise — training, or a shape the
/// Winograd path does not take — it is `upsampleNearest2x` then `conv2d`.
/// Both give the same bits.
extension Tensor {
    /// `upsampleNearest2x().conv2d(weight, bias:, stride:, padding:)` of this
    /// `[N, C, H, W]` input.
    public func upsampleNearest2xConv2d(_ weight: Tensor, bias: Tensor?, stride: (Int, Int),
                                        padding: Conv2DPadding) -> Tensor {
        let recording = GradMode.isEnabled && [self, weight, bias].contains { $0?.requiresGrad ?? false }
        let geometry = rank == 4
            ? Conv2DGeometry(input: [shape[0], shape[1], 2 * shape[2], 2 * shape[3]], weight: weight.shape,
                             bias: bias?.shape, stride: stride, padding: padding)
            : nil
        guard !recording, let geometry, WinogradConv2D.applies(geometry) else {
            return upsampleNearest2x().conv2d(weight, bias: bias, stride: stride, padding: padding)
        }
        let output = WinogradConv2D.forward(geometry, tile: WinogradConv2D.tile(for: geometry), input: scalars,
                                            weight: weight, bias: bias?.scalars, residual: nil, staging: .upsampled)
        return Tensor(shape: geometry.outputShape, scalars: output)
    }
}
