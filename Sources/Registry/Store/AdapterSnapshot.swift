import API
import Foundation
import Model

/// One adapter state as data: PEFT-layout tensors, the LoRA config, and what the learner knows about
/// how it was made (the manifest fields it owns). The registry treats tensors as opaque named arrays.
package struct AdapterSnapshot: Sendable {
    /// PEFT keys (`base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight`, …).
    package var tensors: [NamedTensor]
    package var config: PEFTLoRAConfig
    package var parent: Version?
    package var baseModelSHA256: String
    package var labels: [String]
    package var examplesTrained: Int
    /// Fresh examples of train steps the non-finite guard skipped (see `Manifest.examplesSkipped`).
    package var examplesSkipped: Int
    package var steps: Int
    /// Next offsets (last + 1) per topic/partition, folded into this state.
    package var offsets: PartitionOffsets
    /// The writing agent's low watermark when the state was captured (see `Manifest.durableBelow`).
    package var durableBelow: PartitionOffsets?
    package var trainedIDs: TrainedIDsDigest
    package var holdoutMetrics: HoldoutMetrics?
    package var prequentialMetrics: PrequentialSummary?
    /// Protects the version from retention.
    package var pinned: Bool
    /// The trainer's AdamW moments and step count when the version was written (nil: none, or
    /// not read). Saved beside the weights so an evicted or restarted adapter continues with them.
    package var optimizer: OptimizerState?

    package init(
        tensors: [NamedTensor], config: PEFTLoRAConfig, parent: Version? = nil, baseModelSHA256: String,
        labels: [String], examplesTrained: Int = 0, steps: Int = 0, offsets: PartitionOffsets = .init(),
        trainedIDs: TrainedIDsDigest = .init(), holdoutMetrics: HoldoutMetrics? = nil,
        prequentialMetrics: PrequentialSummary? = nil, pinned: Bool = false, examplesSkipped: Int = 0
    ) {
        self.tensors = tensors
        self.config = config
        self.parent = parent
        self.baseModelSHA256 = baseModelSHA256
        self.labels = labels
        self.examplesTrained = examplesTrained
        self.examplesSkipped = examplesSkipped
        self.steps = steps
        self.offsets = offsets
        self.trainedIDs = trainedIDs
        self.holdoutMetrics = holdoutMetrics
        self.prequentialMetrics = prequentialMetrics
        self.pinned = pinned
    }

    /// The tensor with this name, if present.
    package func tensor(named name: String) -> NamedTensor? {
        tensors.first { $0.name == name }
    }

    /// Name of the first tensor holding NaN or ±inf, if any (a gate and promote refuse such weights).
    var firstNonFiniteTensor: String? {
        tensors.first { $0.data.contains { !$0.isFinite } }?.name
    }

    /// Checks shapes against data lengths and names for duplicates.
    /// - Throws: `RegistryError.invalidSnapshot` naming the tensor.
    package func validate() throws {
        var seen = Set<String>()
        for t in tensors {
            guard seen.insert(t.name).inserted else { throw RegistryError.invalidSnapshot(detail: "tensor '\(t.name)' appears twice") }
            guard t.shape.allSatisfy({ $0 > 0 }), t.shape.reduce(1, *) == t.data.count else {
                throw RegistryError.invalidSnapshot(
                    detail: "tensor '\(t.name)' has shape \(t.shape) but \(t.data.count) values")
            }
        }
        guard !tensors.isEmpty else { throw RegistryError.invalidSnapshot(detail: "no tensors") }
        let problems = config.unsupportedFeatures
        guard problems.isEmpty else {
            throw RegistryError.invalidSnapshot(detail: "adapter_config: \(problems.joined(separator: ", "))")
        }
    }
}

/// A version read back from disk, checksums verified.
package struct LoadedAdapter: Sendable {
    package var manifest: Manifest
    package var snapshot: AdapterSnapshot

    /// The state to continue training from: same tensors and counters, parent = this version.
    package var continuation: AdapterSnapshot {
        var next = snapshot
        next.parent = manifest.version
        next.pinned = false
        return next
    }
}
