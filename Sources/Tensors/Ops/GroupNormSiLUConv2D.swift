/// Group normalisation, SiLU and a convolution as one op for inference:
/// `conv2d(silu(groupNorm(x + shift)))`, the U-Net's norm → SiLU → conv.
///
/// Where no gradient is recorded and the convolution takes the Winograd path,
/// the normalised activation is never written out: the statistics of every
/// (sample, group) are computed first, and the convolution's copy of each
/// image into its channels-last staging buffer normalises and applies SiLU
/// on the way (`ck_pad_channels_last_normalized_silu`). That saves writing
/// and reading back one activation-sized tensor per convolution. Otherwise —
/// training, or a shape the Winograd path does not take — it is
/// `groupNormSiLU` then `conv2d`. Both give the same bits: the same
/// statistics, and the same arithmetic on each element.
extension Tensor {
    /// `groupNormSiLU(…)` of this `[N, C, H, W]` input (with `shift` `[N, C]`
    /// added first when given), then `conv2d(weight, bias:, stride:, padding:,
    /// adding: residual)`.
    public func groupNormSiLUConv2d(
        groups: Int, normWeight: Tensor?, normBias: Tensor?, eps: Float = 1e-5, adding shift: Tensor? = nil,
        weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: Conv2DPadding, residual: Tensor? = nil
    ) -> Tensor {
        let recording = GradMode.isEnabled
            && [self, normWeight, normBias, shift, weight, bias, residual].contains { $0?.requiresGrad ?? false }
        let geometry = rank == 4 ? Conv2DGeometry(input: shape, weight: weight.shape, bias: bias?.shape,
                                                   stride: stride, padding: padding) : nil
        guard !recording, let geometry, WinogradConv2D.applies(geometry) else {
            let normalized = if let shift {
                groupNormSiLU(adding: shift, groups: groups, weight: normWeight, bias: normBias, eps: eps)
            } else {
                groupNormSiLU(groups: groups, weight: normWeight, bias: normBias, eps: eps)
            }
            return normalized.conv2d(weight, bias: bias, stride: stride, padding: padding, adding: residual)
        }
        let layout = GroupNormLayout(validating: shape, groups: groups, weight: normWeight, bias: normBias, eps: eps)
        if let shift {
            precondition(shift.shape == [shape[0], shape[1]],
                         "groupNormSiLU: shift shape \(shift.shape) does not match input \(shape); expected [N, C] = \(Array(shape.prefix(2)))")
        }
        if let residual {
            precondition(residual.shape == geometry.outputShape,
                         "conv2d: residual shape \(residual.shape) does not match the output shape \(geometry.outputShape)")
        }
        let gamma = normWeight?.scalars, beta = normBias?.scalars, shifts = shift?.scalars
        let (mean, rstd) = layout.statistics(of: scalars, shifts: shifts, eps: eps)
        let normalization = InputNormalization(layout, mean: mean, rstd: rstd, gamma: gamma, beta: beta, shifts: shifts)
        let output = WinogradConv2D.forward(geometry, tile: WinogradConv2D.tile(for: geometry), input: scalars,
                                            weight: weight, bias: bias?.scalars, residual: residual?.scalars,
                                            staging: .normalizedSiLU(normalization))
        return Tensor(shape: geometry.outputShape, scalars: output)
    }
}

/// Group normalisation (with its per-(sample, channel) shift) as one affine
/// map per (image, channel), `y = ((x + shift) − mean) · scale + offset`, then
/// SiLU: what a convolution applies to its input as it stages it. The values
/// are those `GroupNormLayout.normalize` passes to `ck_normalize`.
struct InputNormalization {
    /// `[N][4][C]`: each image's shifts, means, scales and offsets, channel by channel.
    let maps: [Float]

    init(_ layout: GroupNormLayout, mean: [Double], rstd: [Double], gamma: [Float]?, beta: [Float]?,
         shifts: [Float]?) {
        let channels = layout.channels
        var maps = [Float](repeating: 0, count: layout.batch * 4 * channels)
        for sample in 0..<layout.batch {
            for channel in 0..<channels {
                let unit = sample * layout.groups + channel / layout.channelsPerGroup
                let at = sample * 4 * channels + channel
                maps[at] = shifts?[sample * channels + channel] ?? 0
                maps[at + channels] = Float(mean[unit])
                (maps[at + 2 * channels], maps[at + 3 * channels]) = GroupNormLayout.affine(
                    mean: mean[unit], rstd: rstd[unit], gamma: gamma?[channel], beta: beta?[channel])
            }
        }
        self.maps = maps
    }
}
