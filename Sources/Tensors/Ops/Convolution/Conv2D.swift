/// 2-D convolution of NCHW images with an OIHW kernel (groups = 1), as
/// PyTorch's `F.conv2d`: `out[n, o, y, x] = b[o] + Σ_{c,i,j} w[o, c, i, j] ·
/// in[n, c, y·sH − top + i, x·sW − left + j]` (cross-correlation, zero padding).
///
/// One entry point, with an optional map of the input before it (`prologue`)
/// and a residual added after (`adding`). How it is computed — im2col GEMMs,
/// an implicit GEMM, Winograd, and what is fused — is the `Conv2DPlan`'s
/// decision; these functions only do what the plan says.
extension Tensor {
    /// Convolves this NCHW input with `weight` `[Cout, Cin, kH, kW]`, adding
    /// `bias` `[Cout]` if given, with the same stride and zero padding on both axes.
    ///
    /// - Complexity: O(N·Cout·Cin·kH·kW·Hout·Wout) multiply-adds for the direct form; Winograd
    ///   takes 2.25–4.6× fewer for 3×3 kernels (see ``Conv2DPlan``).
    public func conv2d(_ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
        precondition(padding >= 0, "conv2d: padding must be non-negative, got \(padding)")
        return conv2d(weight, bias: bias, stride: (stride, stride), padding: Conv2DPadding(all: padding))
    }

    /// `conv2d(prologue(self), weight) + bias + residual`: convolves this NCHW
    /// input, mapped by `prologue`, with `weight` `[Cout, Cin, kH, kW]`, adding
    /// `bias` `[Cout]` and `residual` (the output's shape) if given; `stride`
    /// is (vertical, horizontal) and `padding` may differ on each side.
    /// `algorithms` forces the algorithms instead of the plan's choice (tests,
    /// benchmarks).
    public func conv2d(
        _ weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: Conv2DPadding,
        prologue: Conv2DPrologue = .none, adding residual: Tensor? = nil,
        algorithms: Conv2DPlan.Override? = nil
    ) -> Tensor {
        let geometry = Conv2DGeometry(
            input: prologue.mappedShape(shape), weight: weight.shape, bias: bias?.shape,
            stride: stride, padding: padding)
        if let residual {
            precondition(
                residual.shape == geometry.outputShape,
                "conv2d: residual shape \(residual.shape) does not match the output shape \(geometry.outputShape)")
        }
        let recording =
            GradMode.isEnabled
            && ([self, weight] + [bias, residual].compactMap { $0 } + prologue.parameters).contains { $0.requiresGrad }
        let plan = Conv2DPlan(
            geometry, prologue: prologue.kind, residual: residual != nil, recording: recording,
            override: algorithms)
        Conv2DPlan.note(plan, weight: weight)
        if plan.fusesPrologue {
            let output = plan.forward(
                input: scalars, weight: weight, bias: bias?.scalars, residual: residual?.scalars,
                staging: prologue.staging(of: self))
            return Tensor(shape: geometry.outputShape, scalars: output)
        }
        return prologue(self).convolved(by: plan, weight: weight, bias: bias, residual: residual)
    }

    /// The convolution of this (already mapped) input as `plan` says, recorded for autodiff.
    private func convolved(by plan: Conv2DPlan, weight: Tensor, bias: Tensor?, residual: Tensor?) -> Tensor {
        let output = plan.forward(
            input: scalars, weight: weight, bias: bias?.scalars, residual: residual?.scalars,
            staging: .copy)
        let input = self
        let inputs = [input, weight] + [bias, residual].compactMap { $0 }
        return .result(shape: plan.geometry.outputShape, scalars: output, inputs: inputs) { g in
            let grads = plan.backward(
                outputGradient: g.scalars, input: input.scalars, weight: weight.scalars,
                needInput: input.requiresGrad, needWeight: weight.requiresGrad, needBias: bias?.requiresGrad ?? false)
            var result: [Tensor?] = [
                grads.input.map { Tensor(shape: input.shape, scalars: $0) },
                grads.weight.map { Tensor(shape: weight.shape, scalars: $0) },
            ]
            if let bias { result.append(grads.bias.map { Tensor(shape: bias.shape, scalars: $0) }) }
            if let residual { result.append(residual.requiresGrad ? g : nil) }
            return result
        }
    }
}

extension Conv2DPlan {
    /// The forward pass on flat arrays: the input (as `staging` maps it, only
    /// when the plan fuses the prologue) convolved with `weight`, plus `bias`
    /// and `residual` when given.
    func forward(
        input: [Float], weight: Tensor, bias: [Float]?, residual: [Float]?,
        staging: InputStaging
    ) -> [Float] {
        var output: [Float]
        switch forward.algorithm {
        case .winograd(let tile):
            output = WinogradConv2D.forward(
                geometry, tile: tile, blocks: forward.threading.blocks, input: input,
                weight: weight, bias: bias, residual: fusesResidual ? residual : nil,
                staging: staging)
        case .implicitGEMM:
            output = ImplicitConv2D.forward(
                geometry, blocks: forward.threading.blocks, input: input,
                weight: weight.scalars, bias: bias)
        case .im2col, .pointwise:
            output = Im2ColConv2D.forward(
                geometry, unfold: forward.algorithm == .im2col, threading: forward.threading,
                input: input, weight: weight.scalars, bias: bias)
        }
        if !fusesResidual, let residual { output.add(residual) }
        return output
    }

    /// The gradients of the convolution (not of the residual, which is the
    /// output gradient itself) on flat arrays.
    func backward(
        outputGradient: [Float], input: [Float], weight: [Float],
        needInput: Bool, needWeight: Bool, needBias: Bool
    ) -> (input: [Float]?, weight: [Float]?, bias: [Float]?) {
        switch backward.algorithm {
        case .winograd(let tile):
            WinogradConv2D.backward(
                geometry, tile: tile, blocks: backward.threading.blocks,
                outputGradient: outputGradient, input: input, weight: weight,
                needInput: needInput, needWeight: needWeight, needBias: needBias)
        case .implicitGEMM:
            ImplicitConv2D.backward(
                geometry, blocks: backward.threading.blocks, outputGradient: outputGradient,
                input: input, weight: weight,
                needInput: needInput, needWeight: needWeight, needBias: needBias)
        case .im2col, .pointwise:
            Im2ColConv2D.backward(
                geometry, unfold: backward.algorithm == .im2col, threading: backward.threading,
                outputGradient: outputGradient, input: input, weight: weight,
                needInput: needInput, needWeight: needWeight, needBias: needBias)
        }
    }
}

extension Conv2DThreading {
    /// The number of batch blocks (1 for split GEMMs).
    var blocks: Int {
        if case .batchBlocks(let blocks) = self { blocks } else { 1 }
    }
}
