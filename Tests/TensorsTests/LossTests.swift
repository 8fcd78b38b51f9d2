import Tensors
import XCTest

final class LossTests: XCTestCase {
    func testMSEValue() {
        let prediction = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let target = Tensor(shape: [2, 2], scalars: [1, 0, 3, 7])
        let loss = Tensor.mseLoss(prediction, target)
        XCTAssertEqual(loss.shape, [])
        XCTAssertEqual(loss.item, 13.0 / 4, accuracy: 1e-6)
    }

    func testMSEGradientValues() {
        let prediction = Tensor([1, 2]), target = Tensor([0, 4])
        prediction.requiresGrad = true
        target.requiresGrad = true
        Tensor.mseLoss(prediction, target).backward()
        XCTAssertEqual(prediction.grad?.scalars, [1, -2])
        XCTAssertEqual(target.grad?.scalars, [-1, 2])
    }

    func testMSEGradientCheck() {
        let prediction = GradientCheck.random([2, 3, 2], seed: 96)
        let target = GradientCheck.random([2, 3, 2], seed: 97)
        GradientCheck.check([prediction, target]) { Tensor.mseLoss($0[0], $0[1]) }
    }
}
