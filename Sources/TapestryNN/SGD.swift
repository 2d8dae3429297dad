// SGD: stochastic gradient descent, optionally with momentum, as torch.optim.SGD.
//
// What it is: the simplest optimizer, for the moons example and the early lessons:
//
//   d = g + λ·p                          L2 weight decay (coupled: it goes through momentum)
//   b = d                 at step 1      momentum buffer (PyTorch: momentum_buffer)
//   b = μ·b + d           after that
//   p = p − lr·b                         (p − lr·d when μ = 0)
//
// What it is not: Nesterov momentum or dampening; PyTorch's defaults (0) are what it does.

import Tapestry

/// Plain SGD with optional momentum μ and L2 weight decay λ.
public final class SGD {
    /// The parameters it updates, in order.
    public let parameters: [Parameter]
    /// Used by `step()`; `step(learningRate:)` overrides it for one step.
    public var learningRate: Float
    /// μ; 0 means no momentum buffer.
    public let momentum: Float
    /// λ, added to the gradient as λ·p (the gradient of λ/2·‖p‖²), for every parameter.
    public let weightDecay: Float
    /// Number of steps taken.
    public private(set) var stepCount = 0

    /// b, one buffer per parameter when momentum is on (PyTorch: momentum_buffer).
    private let momentumBuffers: [TensorStorage]

    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        momentumBuffers = momentum == 0 ? [] : parameters.map { TensorStorage(zeroedCount: $0.count) }
    }

    /// Sets every parameter's gradient to zero.
    public func zeroGrad() { parameters.zeroGrad() }

    /// One update with `self.learningRate`.
    public func step() { step(learningRate: learningRate) }

    /// One update of every parameter from its `grad`.
    public func step(learningRate: Float) {
        let isFirstStep = stepCount == 0
        stepCount += 1
        for (index, parameter) in parameters.enumerated() {
            let p = parameter.valuePointer, g = parameter.gradientPointer
            let buffer = momentum == 0 ? nil : momentumBuffers[index].pointer
            for i in 0..<parameter.count {
                let d = g[i].addingProduct(weightDecay, p[i])          // d = g + λ·p
                var direction = d
                if let buffer {
                    buffer[i] = isFirstStep ? d : (momentum * buffer[i]) + d   // b = μ·b + d
                    direction = buffer[i]
                }
                p[i] = p[i].addingProduct(-learningRate, direction)     // p −= lr·b
            }
        }
    }
}
