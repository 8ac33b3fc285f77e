import ArgumentParser
import Foundation
import Tensor

// `--precision fp32|bf16|auto` on bench, embed and predict parses straight into the setting.
extension PrecisionSetting: ExpressibleByArgument {}

extension PrecisionSetting {
    /// Resolves on this machine, telling stderr what `auto` chose and why (with the probe's numbers).
    func resolveAnnounced() throws -> ComputePrecision {
        let r = try resolve()
        if self == .auto { FileHandle.standardError.write(Data("precision \(r.precision): \(r.reason)\n".utf8)) }
        return r.precision
    }
}
