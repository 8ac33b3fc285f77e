import COpenBLAS
import Foundation

/// Makes sure OpenBLAS runs a kernel that fits the CPU.
///
/// Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) does not recognize recent Xeons (e.g. with AVX512-FP16)
/// and falls back to its SSE3 "Prescott" kernel, which is 5–10× slower. When that happens and the
/// CPU advertises AVX-512 or AVX2+FMA, the core type is switched once, in-process, through the
/// library's own dynamic-arch entry points (the same path `OPENBLAS_CORETYPE` takes at load).
/// An explicit `OPENBLAS_CORETYPE` in the environment is always respected.
package enum BLASRuntime {
    /// The OpenBLAS core in use after configuration (e.g. "SkylakeX").
    static var coreName: String {
        _ = configured
        return openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// What `configure` did, for logs and benchmark output.
    package static var note: String { configured }

    /// Cheap once-token checked before every gemm.
    static let ready: Bool = { _ = configured; return true }()

    /// Runs the configuration (idempotent; Swift globals initialize once, thread-safely).
    @discardableResult
    static func configure() -> String { configured }

    private static let configured: String = {
        let current = openblas_get_corename().map { String(cString: $0) } ?? ""
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil {
            return "OPENBLAS_CORETYPE set; core \(current)"
        }
        let flags = cpuFlags()
        let wanted: String?
        let good: Set<String>
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) {
            wanted = "SkylakeX"
            good = ["SkylakeX", "Cooperlake", "SapphireRapids"]
        } else if flags.isSuperset(of: ["avx2", "fma"]) {
            wanted = "Haswell"
            good = ["Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"]
        } else {
            wanted = nil
            good = []
        }
        guard let wanted, !good.contains(current) else { return "core \(current)" }
        guard let handle = dlopen(nil, RTLD_NOW),
              let quit = dlsym(handle, "gotoblas_dynamic_quit"), let initialize = dlsym(handle, "gotoblas_dynamic_init")
        else { return "core \(current) (not a dynamic-arch build; cannot switch)" }
        typealias Entry = @convention(c) () -> Void
        setenv("OPENBLAS_CORETYPE", wanted, 1)
        unsafeBitCast(quit, to: Entry.self)()
        unsafeBitCast(initialize, to: Entry.self)()
        unsetenv("OPENBLAS_CORETYPE")
        let now = openblas_get_corename().map { String(cString: $0) } ?? "?"
        return "core \(now) (OpenBLAS detected \(current))"
    }()

    /// CPU feature flags from /proc/cpuinfo (empty elsewhere).
    private static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
