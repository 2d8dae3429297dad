// GradCheck: compare the tape's gradients with central finite differences.
//
// What it does: for a function f of some tensors, it draws a fixed random "projection" R of
// f's output shape and checks d(Σ f(x)·R)/dx two ways:
//   analytic  = the tape's backward, seeded with R
//   numeric   = (L(x + h·e_i) − L(x − h·e_i)) / 2h  for each checked element i, with
//               L = Σ f(x)·R summed in Double
// The projection makes every output element matter (a plain sum would hide an error that
// cancels across outputs, e.g. in softmax's backward).
//
// Float32 caveat: with h = 1e-3 the numeric estimate carries about 1e-4 relative noise, so
// the default tolerance is |analytic − numeric| ≤ absoluteTolerance + relativeTolerance·|numeric|
// with 1e-3 and 1e-2. A missing term in a backward is off by O(1) and is always caught.
// Lesson: notebooks-md/04-the-tape.md

/// Settings of a gradient check, with documented defaults.
public struct GradCheckOptions: Sendable {
    /// Finite-difference step h. Default 1e-3.
    public var step: Float = 1e-3
    /// Allowed |analytic − numeric| independent of size. Default 1e-3.
    public var absoluteTolerance: Double = 1e-3
    /// Allowed |analytic − numeric| relative to |numeric|. Default 1e-2.
    public var relativeTolerance: Double = 1e-2
    /// Check at most this many elements per input (spread evenly). Default 64.
    public var maxElementsPerInput: Int = 64
    /// Seed of the output projection R.
    public var seed: UInt64 = 0x6_7261_6463   // "gradc"

    public init(step: Float = 1e-3, absoluteTolerance: Double = 1e-3, relativeTolerance: Double = 1e-2,
                maxElementsPerInput: Int = 64, seed: UInt64 = 0x6_7261_6463) {
        self.step = step
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
        self.maxElementsPerInput = maxElementsPerInput
        self.seed = seed
    }
}

/// The outcome of `gradCheck`: pass or fail, and where the worst disagreement was.
public struct GradCheckResult: CustomStringConvertible, Sendable {
    /// The label passed to `gradCheck` (usually the op's name).
    public let op: String
    /// True when every checked element is within tolerance.
    public let passed: Bool
    /// Which input (0-based) holds the worst element.
    public let argument: Int
    /// Flat index of the worst element in that input.
    public let index: Int
    /// The finite-difference gradient there.
    public let expected: Double
    /// The tape's gradient there.
    public let received: Double
    /// |received − expected| there.
    public let error: Double

    public var description: String {
        let verdict = passed ? "ok" : "FAILED"
        return "gradCheck \(op): \(verdict); worst at argument \(argument), index \(index): "
            + "expected \(expected) (finite differences), received \(received) (tape), error \(error)"
    }
}

/// Checks the tape's gradients of `function` against central finite differences.
///
/// ```swift
/// let result = gradCheck("gelu", inputs: [Tensor([0.5, -1, 2])]) { tape, x in x[0].gelu() }
/// #expect(result.passed, "\(result)")
/// ```
/// `function` receives a fresh tape and one tracked `Variable` per input and returns the output
/// to check (any shape). It is called many times, so it must be deterministic (seed dropout).
public func gradCheck(_ op: String, inputs: [Tensor], options: GradCheckOptions = GradCheckOptions(),
                      _ function: (Tape, [Variable]) -> Variable) -> GradCheckResult {
    // Analytic: one backward pass seeded with the projection R.
    let tape = Tape()
    let variables = inputs.map { tape.variable($0) }
    let output = function(tape, variables)
    var generator = RandomGenerator(seed: options.seed)
    let projection = Tensor.randomNormal(output.shape, using: &generator)
    tape.backward(output, seed: projection)
    let analytic = variables.map { tape.gradient(of: $0) ?? Tensor(zeros: $0.shape) }

    func projectedLoss(_ values: [Tensor]) -> Double {
        let t = Tape()
        let out = t.withoutGrad { function(t, values.map { t.constant($0) }) }.value
        var sum = 0.0
        for i in 0..<out.count { sum += Double(out.pointer[i]) * Double(projection.pointer[i]) }
        return sum
    }

    var worst = (argument: 0, index: 0, expected: 0.0, received: 0.0, excess: -Double.infinity, error: 0.0)
    var passed = true
    for (argument, input) in inputs.enumerated() {
        let stride = max(1, input.count / options.maxElementsPerInput)
        for index in Swift.stride(from: 0, to: input.count, by: stride) {
            var plus = inputs, minus = inputs
            plus[argument][flat: index] += options.step
            minus[argument][flat: index] -= options.step
            let numeric = (projectedLoss(plus) - projectedLoss(minus)) / (2 * Double(options.step))
            let received = Double(analytic[argument][flat: index])
            let error = abs(received - numeric)
            let allowed = options.absoluteTolerance + options.relativeTolerance * abs(numeric)
            if !(error <= allowed) { passed = false }
            let excess = error.isNaN ? Double.infinity : error - allowed
            if excess > worst.excess {
                worst = (argument, index, numeric, received, excess, error)
            }
        }
    }
    return GradCheckResult(op: op, passed: passed, argument: worst.argument, index: worst.index,
                           expected: worst.expected, received: worst.received, error: worst.error)
}
