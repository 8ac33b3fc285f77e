/// AdamW's state as data, so that it travels with a snapshot: an adapter is its config, weights,
/// head, labels *and* optimizer state (DESIGN §9). Without it, an adapter that residency evicted
/// (or a restart) would resume from its weights with zero moments and bias correction from step 1,
/// i.e. a few full-size sign-like steps that the uninterrupted adapter never takes.
package struct OptimizerState: Sendable, Equatable {
    /// First and second moments, in the adapter's parameter layout (LoRA factors, then the head).
    package var m: [Float]
    package var v: [Float]
    /// Updates applied so far (AdamW's bias-correction step count).
    package var step: Int

    package init(m: [Float], v: [Float], step: Int) {
        self.m = m
        self.v = v
        self.step = step
    }
}

extension BertLoRAModel {
    /// The moments and step count, or nil before the first training step (a model that only
    /// serves holds no optimizer state).
    package var optimizerState: OptimizerState? {
        guard hasOptimizerState else { return nil }
        let n = layout.count
        return OptimizerState(m: Array(UnsafeBufferPointer(start: adamM.ptr, count: n)),
                              v: Array(UnsafeBufferPointer(start: adamV.ptr, count: n)), step: step)
    }

    /// Continues from a saved optimizer state, which must belong to this parameter layout.
    /// - Throws: `ModelError.invalidConfig` when its length does not match the layout, a step is
    ///   negative or a moment is not finite (v also not negative).
    package func restoreOptimizerState(_ state: OptimizerState) throws {
        let n = layout.count
        guard state.m.count == n, state.v.count == n, state.step >= 0 else {
            throw ModelError.invalidConfig("optimizer state of \(state.m.count)/\(state.v.count) moments at step \(state.step) does not fit \(n) parameters")
        }
        guard state.m.allSatisfy(\.isFinite), state.v.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw ModelError.invalidConfig("optimizer state holds non-finite or negative moments")
        }
        ensureOptimizerState()
        state.m.withUnsafeBufferPointer { adamM.ptr.update(from: $0.baseAddress!, count: n) }
        state.v.withUnsafeBufferPointer { adamV.ptr.update(from: $0.baseAddress!, count: n) }
        step = state.step
    }
}
