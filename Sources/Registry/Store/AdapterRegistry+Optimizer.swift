import Foundation
import Model

/// The optimizer state of a version (`optimizer.safetensors`): AdamW's moments in the adapter's
/// parameter layout as two flat tensors and the step count as metadata. Serving never reads it
/// (a live version needs only its weights); a trainer resuming from the version does.
extension AdapterRegistry {
    static let momentNames = (m: "adam_m", v: "adam_v")

    /// The file's bytes for `state`.
    /// - Throws: `.invalidSnapshot` when the moments are empty or of different lengths.
    static func encode(_ state: OptimizerState, file: String) throws -> [UInt8] {
        guard !state.m.isEmpty, state.m.count == state.v.count else {
            throw RegistryError.invalidSnapshot(detail: "optimizer state with \(state.m.count) first and \(state.v.count) second moments")
        }
        do {
            return try SafeTensorsWriter.encode(
                [NamedTensor(name: momentNames.m, shape: [state.m.count], data: state.m),
                 NamedTensor(name: momentNames.v, shape: [state.v.count], data: state.v)],
                metadata: ["format": "pt", "step": String(state.step)], file: file)
        } catch {
            throw RegistryError.invalidSnapshot(detail: "\(error)")
        }
    }

    /// The optimizer state a version was written with, checksum verified; nil when it has none
    /// (written before the trainer's first step, or by an older StreamLoRA, or imported from PEFT).
    /// - Throws: `.corruptVersion` naming `optimizer.safetensors` when it does not verify or parse.
    func optimizerState(of manifest: Manifest) throws -> OptimizerState? {
        let name = RegistryLayout.optimizerFile
        guard manifest.files[name] != nil else { return nil }
        try verifyFile(name, of: manifest)
        let url = layout.directory(of: manifest.version).appendingPathComponent(name)
        do {
            let file = try SafeTensorsFile(contentsOf: url)
            guard let step = file.metadata["step"].flatMap(Int.init) else {
                throw RegistryError.corruptVersion(adapter: adapter, version: manifest.version, file: name, detail: "no step count")
            }
            return OptimizerState(m: try file.floats(Self.momentNames.m), v: try file.floats(Self.momentNames.v), step: step)
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError.corruptVersion(adapter: adapter, version: manifest.version, file: name, detail: "\(error)")
        }
    }
}
