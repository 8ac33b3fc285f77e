import Tensor

/// Adapter I/O in PEFT's key layout, and classifier growth.
extension BertLoRAModel {
    /// PEFT key of the classifier weight / bias (`modules_to_save: ["classifier"]`).
    static let classifierWeightKey = "base_model.model.classifier.weight"
    static let classifierBiasKey = "base_model.model.classifier.bias"

    /// The adapter and head as PEFT-named tensors: `…lora_A.weight` (r, in), `…lora_B.weight`
    /// (out, r), classifier weight (labels, hidden) and bias (labels). Sorted by name.
    package func adapterTensors() -> [NamedTensor] { namedTensors(from: params) }

    /// Gradients of the last `computeGradients`/`trainStep`, under the same names.
    package func gradientTensors() -> [NamedTensor] {
        if grads.capacity < layout.count { grads = Tensor(shape: [layout.count]) }
        return namedTensors(from: grads)
    }

    func namedTensors(from t: Tensor) -> [NamedTensor] {
        func slice(_ off: Int, _ count: Int) -> [Float] { Array(UnsafeBufferPointer(start: t.ptr + off, count: count)) }
        var out: [NamedTensor] = []
        let r = layout.rank
        for m in layout.modules {
            out.append(NamedTensor(name: m.peftPrefix + ".lora_A.weight", shape: [r, m.inFeatures], data: slice(m.aOffset, r * m.inFeatures)))
            out.append(NamedTensor(name: m.peftPrefix + ".lora_B.weight", shape: [m.outFeatures, r], data: slice(m.bOffset, m.outFeatures * r)))
        }
        let c = layout.labels, h = layout.hidden
        out.append(NamedTensor(name: Self.classifierWeightKey, shape: [c, h], data: slice(layout.classifierWeightOffset, c * h)))
        out.append(NamedTensor(name: Self.classifierBiasKey, shape: [c], data: slice(layout.classifierBiasOffset, c)))
        return out.sorted { $0.name < $1.name }
    }

    /// Replaces the adapter and head with `tensors` (PEFT names), all-or-nothing.
    ///
    /// The label count follows the classifier's rows. Adam moments and the step count restart at
    /// zero (optimizer state is not part of a PEFT adapter); merged weights are dropped.
    /// - Throws: `ModelError.invalidAdapter` naming a missing, unexpected, mis-shaped or non-finite tensor.
    package func loadAdapter(_ tensors: [NamedTensor]) throws {
        var byName: [String: NamedTensor] = [:]
        for t in tensors {
            guard t.data.count == t.shape.reduce(1, *) else {
                throw ModelError.invalidAdapter("\(t.name): \(t.data.count) values for shape \(t.shape)")
            }
            byName[t.name] = t
        }
        guard let w = byName[Self.classifierWeightKey], w.shape.count == 2, w.shape[1] == layout.hidden, w.shape[0] > 0 else {
            throw ModelError.invalidAdapter("\(Self.classifierWeightKey) missing or not (labels, \(layout.hidden))")
        }
        let newLayout = ParameterLayout(config: config, lora: lora, labels: w.shape[0])
        let expected = namedShapes(newLayout)
        for (name, shape) in expected {
            guard let t = byName[name] else { throw ModelError.invalidAdapter("missing tensor \(name)") }
            guard t.shape == shape else { throw ModelError.invalidAdapter("\(name) has shape \(t.shape), expected \(shape)") }
            guard t.data.allSatisfy(\.isFinite) else { throw ModelError.invalidAdapter("\(name) contains non-finite values") }
        }
        if let extra = byName.keys.sorted().first(where: { expected[$0] == nil }) {
            throw ModelError.invalidAdapter("unexpected tensor \(extra) (LoRA config targets \(lora.targets.map(\.rawValue)), rank \(lora.rank))")
        }
        reallocate(newLayout)
        for m in newLayout.modules {
            write(byName[m.peftPrefix + ".lora_A.weight"]!.data, at: m.aOffset)
            write(byName[m.peftPrefix + ".lora_B.weight"]!.data, at: m.bOffset)
        }
        write(w.data, at: newLayout.classifierWeightOffset)
        write(byName[Self.classifierBiasKey]!.data, at: newLayout.classifierBiasOffset)
        step = 0
    }

    func namedShapes(_ l: ParameterLayout) -> [String: [Int]] {
        var s: [String: [Int]] = [:]
        for m in l.modules {
            s[m.peftPrefix + ".lora_A.weight"] = [l.rank, m.inFeatures]
            s[m.peftPrefix + ".lora_B.weight"] = [m.outFeatures, l.rank]
        }
        s[Self.classifierWeightKey] = [l.labels, l.hidden]
        s[Self.classifierBiasKey] = [l.labels]
        return s
    }

    private func write(_ values: [Float], at offset: Int) {
        values.withUnsafeBufferPointer { (params.ptr + offset).update(from: $0.baseAddress!, count: values.count) }
    }

    /// Fresh zeroed parameters for a layout (optimizer state again allocated on first training
    /// use); drops merged weights.
    private func reallocate(_ l: ParameterLayout) {
        layout = l
        params = Tensor(shape: [l.count]); grads = Tensor(shape: [0])
        adamM = Tensor(shape: [0]); adamV = Tensor(shape: [0])
        merged.removeAll()
    }

    /// Grows the classifier to `count` labels: new rows initialized as nn.Linear would, existing
    /// rows (hence existing logits) unchanged, Adam moments of the new rows zero.
    package func growLabels(to count: Int) {
        guard count > layout.labels else { return }
        let old = layout
        let oldParams = params, oldM = adamM, oldV = adamV, trained = hasOptimizerState
        reallocate(ParameterLayout(config: config, lora: lora, labels: count))
        if trained { ensureOptimizerState() }
        let h = old.hidden
        for (dst, src) in [(params, oldParams)] + (trained ? [(adamM, oldM), (adamV, oldV)] : []) {
            dst.ptr.update(from: src.ptr, count: old.loraCount + old.labels * h)  // LoRA + classifier rows
            (dst.ptr + layout.classifierBiasOffset).update(from: src.ptr + old.classifierBiasOffset, count: old.labels)
        }
        initClassifierRows(old.labels..<count)
    }

    /// Copies the classifier rows (weight and bias) of the labels `rows` from `other`, whose
    /// head must have them; everything else is unchanged. A rollback to a version that predates
    /// these labels keeps what the newer weights learned about them instead of a fresh row.
    package func copyClassifierRows(_ rows: Range<Int>, from other: BertLoRAModel) {
        precondition(rows.upperBound <= layout.labels && rows.upperBound <= other.layout.labels
                     && layout.hidden == other.layout.hidden, "classifier rows \(rows) out of range")
        guard !rows.isEmpty else { return }
        let h = layout.hidden
        (params.ptr + layout.classifierWeightOffset + rows.lowerBound * h)
            .update(from: other.params.ptr + other.layout.classifierWeightOffset + rows.lowerBound * h, count: rows.count * h)
        (params.ptr + layout.classifierBiasOffset + rows.lowerBound)
            .update(from: other.params.ptr + other.layout.classifierBiasOffset + rows.lowerBound, count: rows.count)
    }
}

extension BertLoRAModel {
    /// An independent copy sharing the frozen base: adapter, head, Adam moments, step count and
    /// dropout RNG state are copied; merged weights are not; the workspace pool is shared. Use it to fork a
    /// candidate from the live adapter (or the other way round) without touching the original.
    package func clone() throws -> BertLoRAModel {
        let c = try BertLoRAModel(base: base, lora: lora, labels: layout.labels, optimizer: optimizer)
        c.params.ptr.update(from: params.ptr, count: layout.count)
        if hasOptimizerState {
            c.ensureOptimizerState()
            c.adamM.ptr.update(from: adamM.ptr, count: layout.count)
            c.adamV.ptr.update(from: adamV.ptr, count: layout.count)
        }
        c.step = step
        c.rng = rng
        c.threads = threads
        c.workspacePool = workspacePool
        return c
    }
}
