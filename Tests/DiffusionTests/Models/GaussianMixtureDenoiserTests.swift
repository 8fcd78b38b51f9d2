import Tensors
import XCTest

@testable import Diffusion

/// The exact mixture ε-model checks what it is given, and its prediction is E[ε | x_t]
/// for one component in closed form.
final class GaussianMixtureDenoiserTests: XCTestCase {
    let schedule = try! NoiseSchedule(.linear(), timesteps: 100)

    func testOneComponentIsTheClosedForm() throws {
        let model = try GaussianMixtureDenoiser(weights: [1], means: [[0.5, -0.5]], deviations: [0.2], schedule: schedule)
        let x = Tensor(shape: [1, 2], scalars: [0.3, 0.1])
        let t = 40
        let a = schedule.double.sqrtAlphaBar[t]
        let sigma2 = schedule.double.oneMinusAlphaBar[t]
        let expected = zip([0.3, 0.1], [0.5, -0.5]).map { x, m in sigma2.squareRoot() * (x - a * m) / (a * a * 0.04 + sigma2) }
        assertClose(try model(x, timesteps: [t], classLabels: nil).scalars, expected, tolerance: 1e-5)
    }

    func testBadMixturesAndInputsAreRefused() throws {
        func problem(_ body: () throws -> Any) -> String {
            do {
                _ = try body()
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(
            problem { try GaussianMixtureDenoiser(weights: [], means: [], deviations: [], schedule: self.schedule) }.contains(
                "at least one"))
        XCTAssertTrue(
            problem { try GaussianMixtureDenoiser(weights: [0.5], means: [[0]], deviations: [1], schedule: self.schedule) }.contains(
                "sum to 1"))
        XCTAssertTrue(
            problem { try GaussianMixtureDenoiser(weights: [1], means: [[0]], deviations: [0], schedule: self.schedule) }.contains("> 0"))
        XCTAssertTrue(
            problem {
                try GaussianMixtureDenoiser(weights: [0.5, 0.5], means: [[0], [0, 1]], deviations: [1, 1], schedule: self.schedule)
            }
            .contains("one length"))
        let model = try GaussianMixtureDenoiser(weights: [1], means: [[0, 0]], deviations: [1], schedule: schedule)
        XCTAssertTrue(
            problem { try model(Tensor(shape: [2, 3], scalars: Array(repeating: 0, count: 6)), timesteps: [0], classLabels: nil) }.contains(
                "2 values"))
        XCTAssertTrue(
            problem { try model(Tensor(shape: [1, 2], scalars: [0, 0]), timesteps: [100], classLabels: nil) }.contains("0..<100"))
    }
}
