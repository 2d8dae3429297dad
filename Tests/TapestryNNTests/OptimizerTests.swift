// SGD by hand-computed steps, gradient clipping by hand-computed norms, and the learning-rate
// schedule at its landmarks.

import Foundation
import Testing
import Tapestry
@testable import TapestryNN
import TapestryTestSupport

@Suite struct SGDTests {
    @Test func plainStepIsLearningRateTimesGradient() {
        let p = Parameter("p", Tensor([1, -2]))
        setGradient(p, Tensor([0.5, 4]))
        SGD(parameters: [p], learningRate: 0.25).step()
        #expect(p.value.scalars == [0.875, -3])                      // 1 − 0.25·0.5, −2 − 0.25·4
    }

    @Test func momentumBufferStartsAtTheGradient() {
        // PyTorch: b₁ = g, then b = μ·b + g; p −= lr·b.
        let p = Parameter("p", Tensor([1]))
        let optimizer = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9)
        setGradient(p, Tensor([0.5]))
        optimizer.step()                                             // b = 0.5, p = 1 − 0.05
        #expect(abs(p.value.item - 0.95) < 1e-7)
        optimizer.step()                                             // b = 0.45 + 0.5, p −= 0.095
        #expect(abs(p.value.item - 0.855) < 1e-7)
        #expect(optimizer.stepCount == 2)
    }

    @Test func weightDecayAddsLambdaTimesWeight() {
        let p = Parameter("p", Tensor([2]))                          // g = 0, d = 0.1·2
        SGD(parameters: [p], learningRate: 0.5, weightDecay: 0.1).step()
        #expect(abs(p.value.item - 1.9) < 1e-7)
    }
}

@Suite struct ClipGradientNormTests {
    func parameters(_ gradients: [Tensor]) -> [Parameter] {
        gradients.enumerated().map { index, gradient in
            let p = Parameter("p\(index)", Tensor(zeros: gradient.shape))
            setGradient(p, gradient)
            return p
        }
    }

    @Test func normBelowTheLimitLeavesGradientsAlone() {
        let ps = parameters([Tensor([[3, 4]]), Tensor([12])])       // √(9 + 16 + 144) = 13
        #expect(clipGradientNorm(ps, maxNorm: 26) == 13)
        #expect(ps[0].grad.scalars == [3, 4] && ps[1].grad.scalars == [12])
    }

    @Test func normAboveTheLimitScalesEverythingByTheSameFactor() {
        let ps = parameters([Tensor([[3, 4]]), Tensor([12])])
        #expect(clipGradientNorm(ps, maxNorm: 6.5) == 13)            // returns the norm before
        let scale = Float(6.5 / (13 + 1e-6))
        #expect(ps[0].grad.scalars == [3 * scale, 4 * scale])
        #expect(ps[1].grad.scalars == [12 * scale])
        #expect(abs(gradientNorm(ps) - 6.5) < 1e-5)
    }

    @Test func normOfManyElementsMatchesADoubleSum() {
        // 1000 elements (not a multiple of 4): Σ k² for k = 1...1000 = 333 833 500.
        let ps = parameters([Tensor((1...999).map(Float.init)), Tensor([1000])])
        #expect(gradientNorm(ps) == (333_833_500.0).squareRoot())
    }

    /// The order `sumOfSquares` promises, written out one lane at a time: element i into lane
    /// i % 16 by a fused multiply-add, then lanes l and l + 8 added, then l and l + 4, l and
    /// l + 2, and the last two.
    func laneOrderSum(_ values: [Float]) -> Double {
        var lanes = [Double](repeating: 0, count: 16)
        for (i, value) in values.enumerated() { lanes[i % 16].addProduct(Double(value), Double(value)) }
        let eight = (0..<8).map { lanes[$0] + lanes[$0 + 8] }
        let four = (0..<4).map { eight[$0] + eight[$0 + 4] }
        let two = (0..<2).map { four[$0] + four[$0 + 2] }
        return two[0] + two[1]
    }

    @Test(arguments: [0, 1, 15, 16, 17, 40, 1000])
    func sumOfSquaresFollowsItsLaneOrderBitForBit(count: Int) {
        var generator = RandomGenerator(seed: UInt64(count + 3))
        let values = (0..<count).map { _ in generator.normal() * 1000 }
        let sum = values.withUnsafeBufferPointer { sumOfSquares($0.baseAddress!, count: count) }
        #expect(sum == laneOrderSum(values), "\(count) values")
        let exact = values.reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(abs(sum - exact) <= 1e-12 * max(exact, 1))
    }

    @Test func normIsTheSameOnOneThreadAndTwo() {
        // Enough values (> parallelNormWork) that two threads split the parameters between them,
        // in sizes that do not split evenly.
        var generator = RandomGenerator(seed: 11)
        let ps = parameters([300, 70_001, 17, 65_536, 9_999, 1].map { count in
            Tensor((0..<count).map { _ in generator.normal() })
        })
        let expected = ps.reduce(0.0) { total, p in total + laneOrderSum(p.grad.scalars) }.squareRoot()
        let saved = Threads.count
        defer { Threads.setCount(saved) }
        for threads in [1, 2, 3] {
            Threads.setCount(threads)
            #expect(gradientNorm(ps) == expected, "\(threads) threads")
        }
    }
}

@Suite struct LearningRateScheduleTests {
    let schedule = LearningRateSchedule(warmupIterations: 10, decayIterations: 110,
                                        maxLearningRate: 1e-3, minLearningRate: 1e-4)
    // The rates are Floats; the schedule computes in Double from those Float values.
    let maxRate = Double(Float(1e-3)), minRate = Double(Float(1e-4))

    @Test func warmupRisesLinearlyFromOneStep() {
        #expect(schedule(0) == Float(maxRate / 11))                  // max·(0+1)/(10+1)
        #expect(schedule(9) == Float(maxRate * 10 / 11))
    }

    @Test func cosineStartsAtMaxAndPassesTheMidpoint() {
        #expect(schedule(10) == 1e-3)                                // ratio 0: cos 0 = 1
        #expect(schedule(60) == Float(minRate + 0.5 * (maxRate - minRate)))   // ratio ½: coefficient ½
        let quarter = minRate + 0.5 * (1 + cos(Double.pi / 4)) * (maxRate - minRate)   // ratio ¼
        #expect(schedule(35) == Float(quarter))
    }

    @Test func afterDecayItStaysAtTheFloor() {
        #expect(schedule(110) == 1e-4)                               // ratio 1: cos π = −1
        #expect(schedule(111) == 1e-4)
        #expect(schedule(1_000_000) == 1e-4)
    }

    @Test func noDecayPhaseDoesNotDivideByZero() {
        let flat = LearningRateSchedule(warmupIterations: 5, decayIterations: 5, maxLearningRate: 2, minLearningRate: 1)
        #expect(flat(5) == 2)
        #expect(flat(6) == 1)
    }
}
