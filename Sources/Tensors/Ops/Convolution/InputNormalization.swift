/// Group normalisation (with its per-(sample, channel) shift) as one affine
/// map per (image, channel), `y = ((x + shift) − mean) · scale + offset`, then
/// SiLU: what a convolution applies to its input as it stages it. The values
/// are those `GroupNormLayout.normalize` passes to `ck_normalize`.
struct InputNormalization {
    /// `[N][4][C]`: each image's shifts, means, scales and offsets, channel by channel.
    let maps: [Float]

    init(
        _ layout: GroupNormLayout, mean: [Double], rstd: [Double], gamma: [Float]?, beta: [Float]?,
        shifts: [Float]?
    ) {
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
