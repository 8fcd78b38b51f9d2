extension UNet2DModel {
    /// The floating-point operations (2 per multiply-add) of one forward pass
    /// on one `height`×`width` image, counted analytically: convolutions,
    /// linear layers and the two attention matmuls (q·kᵀ and p·v). Norms,
    /// activations and additions are not counted (they are memory-bound).
    public func forwardFLOPs(height: Int? = nil, width: Int? = nil) -> Int {
        let h = height ?? config.sampleHeight, w = width ?? config.sampleWidth
        let widths = config.blockOutChannels
        let time = config.timeEmbedWidth
        func conv(_ pixels: Int, _ cin: Int, _ cout: Int, kernel: Int = 3) -> Int { 2 * pixels * cout * cin * kernel * kernel }
        func residual(_ block: ResnetBlock2D, _ pixels: Int) -> Int {
            let cin = block.conv1.inChannels, cout = block.conv1.outChannels
            return conv(pixels, cin, cout) + conv(pixels, cout, cout) + 2 * cout * time
                + (block.shortcut == nil ? 0 : conv(pixels, cin, cout, kernel: 1))
        }
        func attention(_ channels: Int, _ pixels: Int) -> Int { 4 * 2 * pixels * channels * channels + 4 * pixels * pixels * channels }

        var total = 2 * (widths[0] * time + time * time) + conv(h * w, config.inChannels, widths[0])
        var (height, width) = (h, w)
        for block in downBlocks {
            for resnet in block.resnets { total += residual(resnet, height * width) }
            for layer in block.attentions { total += attention(layer.query.outFeatures, height * width) }
            if let down = block.downsampler {
                height = (height + 1) / 2
                width = (width + 1) / 2
                total += conv(height * width, down.conv.inChannels, down.conv.outChannels)
            }
        }
        if let mid = midBlock {
            for resnet in mid.resnets { total += residual(resnet, height * width) }
            if let layer = mid.attention { total += attention(layer.query.outFeatures, height * width) }
        }
        for block in upBlocks {
            for resnet in block.resnets { total += residual(resnet, height * width) }
            for layer in block.attentions { total += attention(layer.query.outFeatures, height * width) }
            if let up = block.upsampler {
                height *= 2
                width *= 2
                total += conv(height * width, up.conv.inChannels, up.conv.outChannels)
            }
        }
        return total + conv(h * w, widths[0], config.outChannels)
    }
}
