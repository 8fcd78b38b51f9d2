/// A map applied to a convolution's input before it is convolved: the U-Net's
/// norm → SiLU → conv and upsample → conv. `Tensor.conv2d(…, prologue:)`
/// computes `conv2d(prologue(x))`; its `Conv2DPlan` decides whether the map
/// is fused into the copy that stages each image for the kernel (the mapped
/// input is then never written out whole) or applied first. Both give the
/// same bits.
public indirect enum Conv2DPrologue {
    /// The input as it is.
    case none
    /// Nearest-neighbour 2× upsampling (`Tensor.upsampleNearest2x`).
    case upsampleNearest2x
    /// `silu(groupNorm(x + shift))` (`Tensor.groupNormSiLU`), `shift` `[N, C]`
    /// added before the statistics when given.
    case groupNormSiLU(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float, shift: Tensor?)
    /// Another prologue, then an elementwise map no kernel fuses (dropout).
    case followed(Conv2DPrologue, by: (Tensor) -> Tensor)

    /// The prologue's kind, as the plan sees it.
    public var kind: Conv2DPlan.Prologue {
        switch self {
        case .none: .none
        case .upsampleNearest2x: .upsampleNearest2x
        case .groupNormSiLU: .groupNormSiLU
        case .followed: .other
        }
    }

    /// The shape `x` has after the prologue.
    func mappedShape(_ shape: [Int]) -> [Int] {
        switch self {
        case .none, .groupNormSiLU: shape
        case .upsampleNearest2x:
            shape.count == 4 ? [shape[0], shape[1], 2 * shape[2], 2 * shape[3]] : shape
        case .followed(let inner, _): inner.mappedShape(shape)
        }
    }

    /// The tensors the prologue reads besides the input.
    var parameters: [Tensor] {
        switch self {
        case .none, .upsampleNearest2x: []
        case .groupNormSiLU(_, let weight, let bias, _, let shift): [weight, bias, shift].compactMap { $0 }
        case .followed(let inner, _): inner.parameters
        }
    }

    /// The prologue applied to `x`, written out.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .none: x
        case .upsampleNearest2x: x.upsampleNearest2x()
        case .groupNormSiLU(let groups, let weight, let bias, let eps, let shift):
            if let shift {
                x.groupNormSiLU(adding: shift, groups: groups, weight: weight, bias: bias, eps: eps)
            } else {
                x.groupNormSiLU(groups: groups, weight: weight, bias: bias, eps: eps)
            }
        case .followed(let inner, let map): map(inner(x))
        }
    }

    /// How a fused forward stages `x` (`Conv2DPlan.fusesPrologue`): for
    /// GroupNorm + SiLU, the statistics of every (sample, group) are computed
    /// here, and each image is normalised as it is copied in.
    func staging(of x: Tensor) -> InputStaging {
        switch self {
        case .none: return .copy
        case .upsampleNearest2x: return .upsampled
        case .groupNormSiLU(let groups, let weight, let bias, let eps, let shift):
            let layout = GroupNormLayout(validating: x.shape, groups: groups, weight: weight, bias: bias, eps: eps)
            if let shift {
                precondition(
                    shift.shape == [x.shape[0], x.shape[1]],
                    "groupNormSiLU: shift shape \(shift.shape) does not match input \(x.shape); expected [N, C] = \(Array(x.shape.prefix(2)))"
                )
            }
            let shifts = shift?.scalars
            let (mean, rstd) = layout.statistics(of: x.scalars, shifts: shifts, eps: eps)
            return .normalizedSiLU(
                InputNormalization(
                    layout, mean: mean, rstd: rstd, gamma: weight?.scalars,
                    beta: bias?.scalars, shifts: shifts))
        case .followed:
            preconditionFailure("Conv2DPrologue: a followed prologue is never fused")
        }
    }
}
