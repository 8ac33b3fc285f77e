import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `streamlora serve` without its control plane would train but never answer predictions: when
/// the HTTP port is taken it must exit non-zero, naming the address.
@Suite("serve: HTTP port taken")
struct PortTakenTests {
    @Test("a taken HTTP port: serve exits non-zero and names the address")
    func portTaken() async throws {
        let executable = try TestPaths.streamloraExecutable()
        let dir = try TemporaryDirectory("port-taken")
        try TinyBaseModel.write(to: dir.path("tiny-bert"))

        // Hold a listening socket on an ephemeral loopback port.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        #expect(bound && listen(fd, 16) == 0)
        let port = Int(UInt16(bigEndian: address.sin_port))

        let pipeline = dir.path("taken.yaml")
        try TestPipeline.yaml(bootstrap: "127.0.0.1:1", group: "taken", model: dir.path("tiny-bert"), registry: dir.path("registry"))
            .write(to: pipeline, atomically: true, encoding: .utf8)
        let serve = try ChildProcess(executable, ["serve", "--pipeline", pipeline.path, "--http-port", String(port)],
                                     log: dir.path("serve.log"), name: "serve")
        defer { serve.send(SIGKILL) }
        let exit = try await serve.waitForExit(within: 60)
        #expect(!exit.signaled && exit.status != 0, "serve must fail: \(serve.logTail())")
        #expect(serve.logContains("127.0.0.1:\(port)"), "the error names the address: \(serve.logTail())")
    }
}
