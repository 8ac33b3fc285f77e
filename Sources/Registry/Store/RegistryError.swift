import Foundation

/// Everything the registry refuses, each naming the adapter, version, file or tensor at fault.
package enum RegistryError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// A file-system call failed (not an fsync; see `syncFailed`).
    case io(path: String, operation: String, errno: Int32)
    /// fsync failed: the data may not be on disk, so the operation was aborted and must not be retried
    /// on the same file (the kernel may have dropped the dirty pages; see "fsyncgate").
    case syncFailed(path: String, errno: Int32)
    case invalidAdapterName(String)
    case unknownAdapter(name: String, root: String)
    case unknownVersion(adapter: String, version: Version)
    /// A version directory whose files do not match its manifest, or whose manifest is unreadable.
    case corruptVersion(adapter: String, version: Version, file: String, detail: String)
    /// Another process (or another registry instance) holds the adapter's lock.
    case lockHeld(path: String, holder: String?, waitedSeconds: Double)
    /// A status change that makes no sense (promote a retired version, reject the live one, …).
    case invalidTransition(adapter: String, version: Version, detail: String)
    case noRollbackTarget(adapter: String, detail: String)
    case nonFinite(adapter: String, version: Version?, tensor: String)
    case invalidSnapshot(detail: String)
    case invalidPEFT(path: String, detail: String)
    case versionsExhausted(adapter: String)
    /// A journal line other than a torn last line does not parse.
    case corruptJournal(path: String, line: Int, detail: String)

    package var description: String {
        switch self {
        case let .io(path, operation, code):
            return code == 0 ? "\(operation) failed for \(path)" : "\(operation) failed for \(path): \(String(cString: strerror(code)))"
        case let .syncFailed(path, code):
            return "fsync failed for \(path): \(String(cString: strerror(code))); the snapshot was aborted (not retried)"
        case let .invalidAdapterName(name):
            return "invalid adapter name '\(name)': use letters, digits, '-', '_' and '.', not starting with '.'"
        case let .unknownAdapter(name, root):
            return "no adapter '\(name)' in registry \(root)"
        case let .unknownVersion(adapter, version):
            return "adapter '\(adapter)' has no version \(version)"
        case let .corruptVersion(adapter, version, file, detail):
            return "adapter '\(adapter)' version \(version) is corrupt and was refused: \(file): \(detail)"
        case let .lockHeld(path, holder, waited):
            let who = holder.map { " by \($0)" } ?? " by another process"
            return "registry lock \(path) is held\(who); gave up after \(String(format: "%.1f", waited)) s"
        case let .invalidTransition(adapter, version, detail):
            return "adapter '\(adapter)' version \(version): \(detail)"
        case let .noRollbackTarget(adapter, detail):
            return "adapter '\(adapter)': no version to roll back to (\(detail))"
        case let .nonFinite(adapter, version, tensor):
            let v = version.map { " version \($0)" } ?? ""
            return "adapter '\(adapter)'\(v): tensor '\(tensor)' has non-finite values"
        case let .invalidSnapshot(detail):
            return "invalid snapshot: \(detail)"
        case let .invalidPEFT(path, detail):
            return "not a usable PEFT LoRA adapter at \(path): \(detail)"
        case let .versionsExhausted(adapter):
            return "adapter '\(adapter)' has used every version number up to \(Version.maximum)"
        case let .corruptJournal(path, line, detail):
            return "journal \(path) line \(line) is unreadable: \(detail)"
        }
    }

    package var errorDescription: String? { description }
}
