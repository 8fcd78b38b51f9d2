import Foundation

/// A per-timestep weight on the training MSE, stated as a weight `w(SNR)` on
/// the x0 error and converted to the network's own target.
///
/// With `SNR_t = ᾱ_t/(1 − ᾱ_t)` the three targets' errors are tied by
///
///     ‖x0 − x̂0‖² = ‖ε − ε̂‖² / SNR        (x̂0 = (x_t − √(1−ᾱ) ε̂)/√ᾱ)
///     ‖x0 − x̂0‖² = ‖v − v̂‖² / (SNR + 1)  (x̂0 = √ᾱ x_t − √(1−ᾱ) v̂, 1 − ᾱ = 1/(SNR + 1))
///
/// so a weight `w` on the x0 error is `w/SNR` on the ε error and `w/(SNR + 1)`
/// on the v error. (Using `w/SNR` for v, as some trainers do, is the known trap:
/// it over-weights the noisy end by a factor SNR + 1.)
///
/// - `minSNR(γ)` (Hang et al. 2023): `w = min(SNR, γ)`; on ε that is
///   `min(1, γ/SNR)`, finite at SNR = 0 (weight 1) and SNR = ∞ (weight 0).
/// - `softMinSNR(γ)` (Crowson, k-diffusion): `w = SNR·γ/(SNR + γ)`; on ε `γ/(SNR + γ)`.
/// - `signalToNoise`: `w = SNR`, the weighting ε-prediction's L_simple applies
///   implicitly (weight 1 on ε), available to x0- and v-prediction.
/// - `p2(k, γ)` (Choi et al. 2022): ε-MSE weighted by `1/(k + SNR)^γ`.
public enum LossWeighting: Codable, Equatable, Sendable {
    /// Every timestep weighted 1 on the network's own target (L_simple).
    case none
    /// Min-SNR-γ (Hang et al. 2023): `w = min(SNR, γ)` on the x0 error.
    case minSNR(gamma: Double)
    /// Soft min-SNR (Crowson): `w = SNR·γ/(SNR + γ)` on the x0 error.
    case softMinSNR(gamma: Double)
    /// `w = SNR` on the x0 error: weight 1 on the ε error.
    case signalToNoise
    /// P2 weighting (Choi et al. 2022): the ε error weighted by `1/(k + SNR)^γ`.
    case p2(k: Double, gamma: Double)

    /// The weight on the MSE of `prediction`'s target at signal-to-noise ratio `snr` (≥ 0, may be ∞).
    public func weight(signalToNoise snr: Double, prediction: PredictionType) -> Double {
        // w on the x0 error, expressed directly per target so that 0/0 and ∞/∞ never occur.
        switch self {
        case .none:
            return 1
        case let .minSNR(gamma):
            switch prediction {
            case .epsilon: return snr <= gamma ? 1 : gamma / snr
            case .sample: return Swift.min(snr, gamma)
            case .velocity: return snr.isInfinite ? 0 : Swift.min(snr, gamma) / (snr + 1)
            }
        case let .softMinSNR(gamma):
            switch prediction {
            case .epsilon: return snr.isInfinite ? 0 : gamma / (snr + gamma)
            case .sample: return snr.isInfinite ? gamma : snr * gamma / (snr + gamma)
            case .velocity: return snr.isInfinite ? 0 : snr * gamma / ((snr + gamma) * (snr + 1))
            }
        case .signalToNoise:
            switch prediction {
            case .epsilon: return 1
            case .sample: return snr
            case .velocity: return snr.isInfinite ? 1 : snr / (snr + 1)
            }
        case let .p2(k, gamma):
            // Defined on the ε error; converted like the others (ε weight × SNR = x0 weight).
            let epsilonWeight = snr.isInfinite ? 0 : 1 / Foundation.pow(k + snr, gamma)
            switch prediction {
            case .epsilon: return epsilonWeight
            case .sample: return snr.isInfinite ? 0 : epsilonWeight * snr
            case .velocity: return snr.isInfinite ? 0 : epsilonWeight * snr / (snr + 1)
            }
        }
    }

    /// The weights of a batch's timesteps under `schedule`.
    public func weights(timesteps: [Int], schedule: NoiseSchedule, prediction: PredictionType) -> [Float] {
        timesteps.map { Float(weight(signalToNoise: schedule.double.signalToNoise[$0], prediction: prediction)) }
    }
}
