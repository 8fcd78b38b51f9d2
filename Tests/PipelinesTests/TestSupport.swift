import Foundation
import Tensors
@testable import Diffusion
@_exported import TestSupport

/// Two 1×4×4 pictures: white left half / black right half, and the mirror image.
enum TwoPictures {
    static let left: [Double] = (0..<16).map { $0 % 4 < 2 ? 1 : -1 }
    static let right: [Double] = left.map { -$0 }

    static func diffusion() throws -> GaussianDiffusion {
        try GaussianDiffusion(schedule: NoiseSchedule(.cosine(), timesteps: 200), prediction: .epsilon, variance: .fixedSmall)
    }

    /// The exact ε-predictor of an equal mixture of the two with deviation 0.02.
    static func model(_ diffusion: GaussianDiffusion) throws -> GaussianMixtureDenoiser {
        try GaussianMixtureDenoiser(weights: [0.5, 0.5], means: [left, right], deviations: [0.02, 0.02], schedule: diffusion.schedule)
    }

    static func tensor(_ values: [Double]) -> Tensor { Tensor(shape: [1, 1, 4, 4], scalars: values.map { Float($0) }) }
}
