// MixtureOfExperts: a block's feed-forward as E expert MLPs and a learned router
// (Shazeer et al., 2017; Switch Transformer, Fedus et al., 2022; Mixtral's top-2 renormalization).
//
//   p = softmax(x · W_routerᵀ)                    [N, E]   N = B·T tokens, router weight [E, C]
//   gates, S = topKGates(p, K)                    [N, E]   K experts per token, gates renormalized
//   y[n] = Σ_{e ∈ S(n)} gates[n, e] · MLP_e(x[n])  [N, C]   each expert only sees its own tokens
//   aux = E · Σ_e f_e · P_e                       []       load balancing (Switch Transformer)
//       f_e = fraction of the N·K assignments that went to expert e   (counts: no gradient)
//       P_e = mean over tokens of p[n, e]                              (differentiable)
//   aux is 1 when the load is balanced (f = P = 1/E) and grows when the router favours a few
//   experts; its gradient pushes P down where f is high. The trainer adds weight · aux to the loss.
//
// Each expert is an `MLP` with hidden width 4C/K, so a token's active compute equals the dense
// MLP's whatever K is; the parameters grow by E/K. Gradients: the experts' weights and the
// input get theirs through gatherRows and combineExperts; the router gets its share of the loss
// through the renormalized gates (the choice of S is piecewise constant) and through aux. With
// K = 1 the renormalized gate is always 1, so the router then learns from aux alone.
//
// Parameter names: `{name}.router.weight` [E, C] (no bias), `{name}.experts.{e}.c_fc.weight`, ...
// What it is not: capacity-limited (no token is dropped), or expert-parallel.

import Tapestry
import TapestryNN

/// E expert MLPs and a router that sends each token to its top-K experts.
public final class MixtureOfExperts: Module {
    /// C → E, no bias. Weight [E, C].
    public let router: Linear
    /// `{name}.experts.{e}`, each C → 4C/K → C.
    public let experts: [MLP]
    /// Experts per token.
    public let topK: Int

    /// The router is drawn first, then the experts in order.
    public init(name: String, config: GPTConfig, generator: inout RandomGenerator) {
        router = Linear(name: "\(name).router", inputFeatures: config.nEmbd, outputFeatures: config.moeExperts,
                        bias: false, generator: &generator)
        var experts: [MLP] = []
        for e in 0..<config.moeExperts {
            experts.append(MLP(name: "\(name).experts.\(e)", config: config, hiddenFeatures: config.expertHiddenSize,
                               generator: &generator))
        }
        self.experts = experts
        topK = config.moeTopK
    }

    public var parameters: [Parameter] { router.parameters + experts.flatMap(\.parameters) }

    /// What one mixture-of-experts layer produced.
    public struct Routed {
        /// [N, C] (or [B, T, C] from `callAsFunction`).
        public let output: Variable
        /// E · Σ_e f_e · P_e, shape [].
        public let auxiliaryLoss: Variable
        /// Which tokens went to which expert.
        public let assignment: ExpertAssignment
    }

    /// The layer as a function of Variables, so a gradient check can reach every input:
    /// x [N, C], routerWeight [E, C], and `expert(e, x_e)` applying expert e to its tokens [n_e, C].
    public static func mix(_ x: Variable, routerWeight: Variable, topK: Int,
                           expert: (_ index: Int, _ tokens: Variable) -> Variable) -> Routed {
        let experts = routerWeight.shape[0]
        let probabilities = x.linear(weight: routerWeight, bias: nil).softmax()           // [N, E]
        let (gates, assignment) = probabilities.topKGates(k: topK)                         // [N, E]
        var outputs: [Variable?] = []
        for e in 0..<experts {
            let tokens = assignment.tokens[e]
            outputs.append(tokens.isEmpty ? nil : expert(e, x.gatherRows(tokens)))        // [n_e, C]
        }
        let output = Variable.combineExperts(outputs, assignment: assignment, gates: gates)   // [N, C]
        let fraction = x.tape.constant(Tensor(assignment.utilization))                     // f [E]
        let meanProbability = probabilities.mean(axis: 0)                                  // P [E]
        let auxiliaryLoss = (meanProbability * fraction).sum() * Float(experts)            // []
        return Routed(output: output, auxiliaryLoss: auxiliaryLoss, assignment: assignment)
    }

    /// x [B, T, C] → [B, T, C], with the load-balancing loss and the assignment.
    public func callAsFunction(_ x: Variable, context: inout ForwardContext) -> Routed {
        let shape = x.shape
        let tokens = x.reshaped([shape.dropLast().reduce(1, *), shape[shape.count - 1]])   // [N, C]
        let routed = Self.mix(tokens, routerWeight: x.tape.parameter(router.weight), topK: topK) { e, xe in
            experts[e](xe, context: &context)                                                // [n_e, C]
        }
        return Routed(output: routed.output.reshaped(shape), auxiliaryLoss: routed.auxiliaryLoss,
                      assignment: routed.assignment)
    }

    /// Parameters a token actually uses: the router and K of the E experts.
    public var activeParameterCount: Int {
        router.parameterCount + topK * (experts.first?.parameterCount ?? 0)
    }
}
