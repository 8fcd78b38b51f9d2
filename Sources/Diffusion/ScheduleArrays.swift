/// Every per-timestep array derived from a β array (0-based index `i` is the
/// paper's `t = i + 1`), in one floating-point precision.
public struct ScheduleArrays<Scalar: BinaryFloatingPoint & Sendable>: Sendable {
    /// β_t.
    public let betas: [Scalar]
    /// log β_t (the upper end of learned_range).
    public let logBetas: [Scalar]
    /// α_t = 1 − β_t.
    public let alphas: [Scalar]
    /// ᾱ_t = ∏_{s≤t} α_s.
    public let alphaBar: [Scalar]
    /// 1 − ᾱ_t (computed without cancellation).
    public let oneMinusAlphaBar: [Scalar]
    /// ᾱ_{t−1}, with the value before the first step equal to 1.
    public let alphaBarPrevious: [Scalar]
    /// √ᾱ_t.
    public let sqrtAlphaBar: [Scalar]
    /// √(1 − ᾱ_t).
    public let sqrtOneMinusAlphaBar: [Scalar]
    /// 1/√α_t.
    public let reciprocalSqrtAlpha: [Scalar]
    /// β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t (tutorial eq. 53); β̃ at index 0 is 0.
    public let posteriorVariance: [Scalar]
    /// log β̃_t with index 0 replaced by index 1 (as improved-diffusion and diffusers);
    /// when T = 1 there is no index 1 and log β_0 is used.
    public let posteriorLogVarianceClipped: [Scalar]
    /// √ᾱ_{t−1} β_t / (1 − ᾱ_t): the coefficient of x0 in μ̃_t (tutorial eq. 52).
    public let posteriorMeanCoefficientX0: [Scalar]
    /// √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t): the coefficient of x_t in μ̃_t (tutorial eq. 52).
    public let posteriorMeanCoefficientXt: [Scalar]
    /// SNR_t = ᾱ_t / (1 − ᾱ_t).
    public let signalToNoise: [Scalar]

    init(
        betas: [Scalar], logBetas: [Scalar], alphas: [Scalar], alphaBar: [Scalar], oneMinusAlphaBar: [Scalar], alphaBarPrevious: [Scalar],
        sqrtAlphaBar: [Scalar], sqrtOneMinusAlphaBar: [Scalar], reciprocalSqrtAlpha: [Scalar],
        posteriorVariance: [Scalar], posteriorLogVarianceClipped: [Scalar],
        posteriorMeanCoefficientX0: [Scalar], posteriorMeanCoefficientXt: [Scalar], signalToNoise: [Scalar]
    ) {
        self.betas = betas
        self.logBetas = logBetas
        self.alphas = alphas
        self.alphaBar = alphaBar
        self.oneMinusAlphaBar = oneMinusAlphaBar
        self.alphaBarPrevious = alphaBarPrevious
        self.sqrtAlphaBar = sqrtAlphaBar
        self.sqrtOneMinusAlphaBar = sqrtOneMinusAlphaBar
        self.reciprocalSqrtAlpha = reciprocalSqrtAlpha
        self.posteriorVariance = posteriorVariance
        self.posteriorLogVarianceClipped = posteriorLogVarianceClipped
        self.posteriorMeanCoefficientX0 = posteriorMeanCoefficientX0
        self.posteriorMeanCoefficientXt = posteriorMeanCoefficientXt
        self.signalToNoise = signalToNoise
    }
}

extension ScheduleArrays where Scalar == Float {
    /// The Double arrays rounded to Float.
    init(rounding exact: ScheduleArrays<Double>) {
        func f(_ values: [Double]) -> [Float] { values.map { Float($0) } }
        self.init(
            betas: f(exact.betas), logBetas: f(exact.logBetas), alphas: f(exact.alphas),
            alphaBar: f(exact.alphaBar), oneMinusAlphaBar: f(exact.oneMinusAlphaBar), alphaBarPrevious: f(exact.alphaBarPrevious),
            sqrtAlphaBar: f(exact.sqrtAlphaBar), sqrtOneMinusAlphaBar: f(exact.sqrtOneMinusAlphaBar),
            reciprocalSqrtAlpha: f(exact.reciprocalSqrtAlpha), posteriorVariance: f(exact.posteriorVariance),
            posteriorLogVarianceClipped: f(exact.posteriorLogVarianceClipped),
            posteriorMeanCoefficientX0: f(exact.posteriorMeanCoefficientX0),
            posteriorMeanCoefficientXt: f(exact.posteriorMeanCoefficientXt),
            signalToNoise: f(exact.signalToNoise))
    }
}
