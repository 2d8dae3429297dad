// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019), as torch.optim.AdamW.
//
// What it is: the optimizer nanoGPT trains with, matching PyTorch's single-tensor update
// step for step (checked against a committed PyTorch fixture, Tests/TapestryNNTests):
//
//   t  = t + 1
//   p  = p · (1 − lr·λ)                      decoupled weight decay, only for rank ≥ 2 (nanoGPT)
//   m  = β1·m + (1 − β1)·g                   first moment  (PyTorch: exp_avg)
//   v  = β2·v + (1 − β2)·g²                  second moment (PyTorch: exp_avg_sq)
//   p  = p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
//
// Note where ε goes: it is added AFTER dividing √v by √(1 − β2ᵗ), as PyTorch does, not to
// √v̂ computed another way. The bias corrections are computed in Double, like PyTorch's Python
// floats. Weight decay skips vectors (biases, LayerNorm gains): nanoGPT's `configure_optimizers`
// puts every parameter with dim < 2 in a group with weight_decay 0.
//
// What it is not: parameter groups or amsgrad. The update is one SIMD16 pass per parameter,
// each thread taking one contiguous part of every parameter (`Parts`); it is elementwise, so it
// is deterministic by construction, on any thread count.
// Lesson: notebooks-md/09-training.md

import Tapestry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A readable failure of `AdamW.load(state:stepCount:)` or `SGD.load(state:)`: which key, what
/// was expected, what was found.
public struct OptimizerStateError: Error, CustomStringConvertible, Equatable {
    /// One line, e.g. `optimizer state: "fc.weight.exp_avg" has shape [2, 3], expected [3, 2]`.
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = "optimizer state: " + message }
}

/// AdamW with PyTorch's defaults for β and ε, nanoGPT's β2 = 0.99 and weight decay 0.1.
public final class AdamW {
    /// The parameters it updates, in order.
    public let parameters: [Parameter]
    /// Used by `step()`; `step(learningRate:)` overrides it for one step (schedules).
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// λ, applied only to parameters of rank ≥ 2.
    public let weightDecay: Float
    /// Number of steps taken (t in the bias corrections). Restored by `load(state:stepCount:)`.
    public private(set) var stepCount = 0

    /// m, one buffer per parameter, same shape (PyTorch: exp_avg).
    private let firstMoments: [TensorStorage]
    /// v, one buffer per parameter, same shape (PyTorch: exp_avg_sq).
    private let secondMoments: [TensorStorage]
    /// Whether each parameter gets weight decay (rank ≥ 2).
    private let decays: [Bool]

    public init(parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9,
                beta2: Float = 0.99, epsilon: Float = 1e-8, weightDecay: Float = 0.1) {
        precondition(Set(parameters.map(\.name)).count == parameters.count,
                     "AdamW: parameter names must be unique (they key the optimizer state)")
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoments = parameters.map { TensorStorage(zeroedCount: $0.count) }
        secondMoments = parameters.map { TensorStorage(zeroedCount: $0.count) }
        decays = parameters.map { $0.value.rank >= 2 }
    }

    /// Sets every parameter's gradient to zero.
    public func zeroGrad() { parameters.zeroGrad() }

    /// One update with `self.learningRate`.
    public func step() { step(learningRate: learningRate) }

    /// One update of every parameter from its `grad`, with this step's learning rate.
    public func step(learningRate: Float) {
        stepCount += 1
        let t = Double(stepCount)
        let lr = Double(learningRate)
        // Per-step scalars, in Double as PyTorch computes them in Python, then rounded once.
        let stepSize = Float(lr / (1 - pow(Double(beta1), t)))          // lr / (1 − β1ᵗ)
        let correction2Root = Float((1 - pow(Double(beta2), t)).squareRoot()) // √(1 − β2ᵗ)
        let decayFactor = Float(1 - lr * Double(weightDecay))           // 1 − lr·λ
        let scalars = UpdateScalars(beta1: beta1, oneMinusBeta1: Float(1 - Double(beta1)),
                                    beta2: beta2, oneMinusBeta2: Float(1 - Double(beta2)),
                                    stepSize: stepSize, correction2Root: correction2Root,
                                    epsilon: epsilon)
        // Every thread updates one contiguous part of every parameter (one fork per step). The
        // gradients were written by threaded GEMMs that split their rows the same way, so each
        // core mostly reads what is already in its own cache; one thread reading all of them
        // was slower with two threads than with one. Elementwise, so the split changes no bit.
        let threads = Threads.count
        Threads.parallelFor(threads, Parts(optimizer: self, parts: threads, decayFactor: decayFactor, scalars: scalars))
    }

    /// One step's update, cut into `parts` parts: part i is the i-th contiguous part of every
    /// parameter, with boundaries on multiples of 16 so that only the last part has a tail.
    struct Parts: ParallelLoop {
        let optimizer: AdamW
        let parts: Int
        let decayFactor: Float
        let scalars: UpdateScalars

        func run(_ range: Range<Int>) {
            for part in range {
                for (index, parameter) in optimizer.parameters.enumerated() {
                    let vectors = (parameter.count + 15) / 16
                    let start = min(parameter.count, vectors * part / parts * 16)
                    let end = min(parameter.count, vectors * (part + 1) / parts * 16)
                    guard start < end else { continue }
                    AdamW.update(parameter: parameter.valuePointer + start, gradient: parameter.gradientPointer + start,
                                 firstMoment: optimizer.firstMoments[index].pointer + start,
                                 secondMoment: optimizer.secondMoments[index].pointer + start,
                                 count: end - start, decayFactor: optimizer.decays[index] ? decayFactor : 1,
                                 scalars: scalars)
                }
            }
        }
    }

    struct UpdateScalars {
        let beta1, oneMinusBeta1, beta2, oneMinusBeta2, stepSize, correction2Root, epsilon: Float
    }

    /// The update of one parameter, 16 lanes at a time. The tail (count % 16) goes through the
    /// same lane code on a zero-padded copy, so there is one formula to read.
    static func update(parameter p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                       firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>,
                       count: Int, decayFactor: Float, scalars s: UpdateScalars) {
        @inline(__always)
        func lanes(_ p: inout SIMD16<Float>, _ g: SIMD16<Float>, _ m: inout SIMD16<Float>, _ v: inout SIMD16<Float>) {
            p *= decayFactor                                            // p = p·(1 − lr·λ)
            m = (s.beta1 * m).addingProduct(s.oneMinusBeta1, g)         // m = β1·m + (1 − β1)·g
            v = (s.beta2 * v).addingProduct(s.oneMinusBeta2, g * g)     // v = β2·v + (1 − β2)·g²
            let denominator = v.squareRoot() / s.correction2Root + s.epsilon // √v/√(1 − β2ᵗ) + ε
            p = p.addingProduct(-s.stepSize, m / denominator)           // p −= lr/(1 − β1ᵗ) · m/denominator
        }
        typealias Lanes = SIMD16<Float>
        var i = 0
        while i + 16 <= count {
            var pv = UnsafeRawPointer(p + i).loadUnaligned(as: Lanes.self)
            var mv = UnsafeRawPointer(m + i).loadUnaligned(as: Lanes.self)
            var vv = UnsafeRawPointer(v + i).loadUnaligned(as: Lanes.self)
            lanes(&pv, UnsafeRawPointer(g + i).loadUnaligned(as: Lanes.self), &mv, &vv)
            UnsafeMutableRawPointer(p + i).storeBytes(of: pv, as: Lanes.self)
            UnsafeMutableRawPointer(m + i).storeBytes(of: mv, as: Lanes.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: vv, as: Lanes.self)
            i += 16
        }
        let rest = count - i
        guard rest > 0 else { return }
        var pv = Lanes(), gv = Lanes(), mv = Lanes(), vv = Lanes()
        for lane in 0..<rest { pv[lane] = p[i + lane]; gv[lane] = g[i + lane]; mv[lane] = m[i + lane]; vv[lane] = v[i + lane] }
        lanes(&pv, gv, &mv, &vv)
        for lane in 0..<rest { p[i + lane] = pv[lane]; m[i + lane] = mv[lane]; v[i + lane] = vv[lane] }
    }

    // MARK: - State, for exact resume

    /// The moments as tensors (copies), keyed `"<parameter name>.exp_avg"` and
    /// `"<parameter name>.exp_avg_sq"` (PyTorch's names). Save `stepCount` beside them.
    public func state() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (index, parameter) in parameters.enumerated() {
            result[parameter.name + ".exp_avg"] = Tensor(shape: parameter.value.shape, storage: firstMoments[index].copy())
            result[parameter.name + ".exp_avg_sq"] = Tensor(shape: parameter.value.shape, storage: secondMoments[index].copy())
        }
        return result
    }

    /// Restores the moments and the step count saved by `state()`. Every key must be present
    /// with its parameter's shape, and no other key may appear; on error nothing is changed.
    public func load(state: [String: Tensor], stepCount: Int) throws(OptimizerStateError) {
        guard stepCount >= 0 else { throw OptimizerStateError("step count must be >= 0, got \(stepCount)") }
        var expectedKeys = Set<String>()
        for parameter in parameters {
            for key in [parameter.name + ".exp_avg", parameter.name + ".exp_avg_sq"] {
                expectedKeys.insert(key)
                guard let tensor = state[key] else { throw OptimizerStateError("missing \"\(key)\"") }
                guard tensor.shape == parameter.value.shape else {
                    throw OptimizerStateError("\"\(key)\" has shape \(tensor.shape), expected \(parameter.value.shape)")
                }
            }
        }
        if let unknown = state.keys.sorted().first(where: { !expectedKeys.contains($0) }) {
            throw OptimizerStateError("unexpected key \"\(unknown)\" (no parameter of that name)")
        }
        for (index, parameter) in parameters.enumerated() {
            firstMoments[index].pointer.update(from: state[parameter.name + ".exp_avg"]!.pointer, count: parameter.count)
            secondMoments[index].pointer.update(from: state[parameter.name + ".exp_avg_sq"]!.pointer, count: parameter.count)
        }
        self.stepCount = stepCount
    }
}
