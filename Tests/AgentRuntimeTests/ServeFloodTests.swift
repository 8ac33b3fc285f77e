import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestCorpora
import Testing

/// The control plane of a real `streamlora serve` process under a flood of idle connections. The
/// agent runs in its own process, so /proc/PID/fd counts only its descriptors.
@Suite("serve: connection flood", .serialized)
struct ServeFloodTests {
    static let idleConnections = 1_500
    static let limit = 256
    /// Accepts NIO may complete in one read before the limit pauses accepting (its server channels
    /// read at most 4 connections per wake-up), with margin.
    static let acceptSlack = 8

    /// GET or POST `path` with a generous timeout (a request may wait behind the flood in the
    /// listen backlog until idle connections time out).
    static func request(_ agent: RunningAgent, _ path: String, json body: String? = nil) async throws -> Int {
        var request = URLRequest(url: URL(string: agent.baseURL.absoluteString + path)!, timeoutInterval: 300)
        if let body {
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
        }
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    @Test("1,500 idle connections: the serve process never holds more sockets than server.max_connections (+ its baseline) while /healthz and predict answer; without the limit it does",
          arguments: [true, false])
    func connectionLimitBoundsTheSocketsHeld(limited: Bool) async throws {
        try IdleConnections.raiseDescriptorLimit(to: 8_192)
        let maxConnections = limited ? Self.limit : 100_000
        let agent = try await RunningAgent.start("flood-\(limited ? "limited" : "unlimited")", examples: 200,
                                                 server: "{port: 0, max_connections: \(maxConnections), idle_timeout_seconds: 5}")
        let pid = agent.serve.pid
        // Listener, broker connections, files: whatever serve holds before the flood.
        let baseline = IdleConnections.socketsHeld(by: pid)
        let bound = baseline + Self.limit + Self.acceptSlack
        let sampler = DescriptorSampler(pid: pid)
        var sockets = IdleConnections.open(Self.idleConnections, port: agent.port)
        defer { IdleConnections.close(sockets) }
        #expect(sockets.count == Self.idleConnections)

        if limited {
            // The flood fills the limit (so the bound below is tested at saturation) ...
            let saturated = await waitUntil(120, interval: 0.05) { sampler.max >= baseline + Self.limit }
            #expect(saturated, "serve never held the limit's \(Self.limit) connections: at most \(sampler.max), baseline \(baseline)")
            // ... and fresh requests, queued behind it, are answered as idle connections time out.
            #expect(try await Self.request(agent, "/healthz") == 200)
            #expect(try await Self.request(agent, "/v1/predict", json: #"{"texts": ["red blue green"]}"#) == 200)
            #expect(try await Self.request(agent, "/healthz") == 200)
            let held = sampler.stop()
            print("flood: limit \(Self.limit), baseline \(baseline), most sockets held \(held.max) over \(held.samples) samples")
            #expect(held.max <= bound, "serve held \(held.max) sockets; baseline \(baseline) + limit \(Self.limit) + \(Self.acceptSlack)")
        } else {
            // The same measurement sees the bound broken when nothing enforces it.
            let broken = await waitUntil(120, interval: 0.05) { sampler.max > bound }
            let held = sampler.stop()
            print("flood without a limit: baseline \(baseline), most sockets held \(held.max) over \(held.samples) samples")
            #expect(broken, "without a limit serve still held at most \(sampler.max) sockets (bound \(bound))")
        }
        IdleConnections.close(sockets)
        sockets = []
        #expect(agent.serve.isRunning)
        #expect(try await agent.stop() == 0, "log: \(agent.serve.logTail())")
    }

    @Test("SIGTERM in the middle of a connection flood: serve drains and exits 0 (no NIO trap on queued connections)")
    func shutdownDuringAFloodExitsCleanly() async throws {
        try IdleConnections.raiseDescriptorLimit(to: 8_192)
        let agent = try await RunningAgent.start("flood-shutdown", examples: 200,
                                                 server: "{port: 0, max_connections: 100000, idle_timeout_seconds: 10}")
        // Connections keep arriving while serve shuts down: accepts are in flight when it stops.
        let floods = (0..<3).map { _ in FloodThread(port: agent.port) }
        _ = await waitUntil(60, interval: 0.05) { floods.allSatisfy { $0.opened >= Self.idleConnections } }
        agent.serve.send(SIGTERM)
        let exit = try await agent.serve.waitForExit(within: 120)
        for flood in floods { flood.stop() }
        #expect(!exit.signaled && exit.status == 0, "exit \(exit); log: \(agent.serve.logTail(30))")
        #expect(!agent.serve.logContains("Fatal error"), "log: \(agent.serve.logTail(30))")
    }
}

/// Runs `step` over and over on a plain thread until stopped, then `finish` once.
final class LoopThread: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(step: @escaping @Sendable () -> Void, finish: @escaping @Sendable () -> Void = {}) {
        Thread { [self] in
            while lock.withLock({ running }) { step() }
            finish()
            done.signal()
        }.start()
    }

    /// Stops the loop and waits until `finish` ran.
    func stop() {
        lock.withLock { running = false }
        done.wait()
    }
}

/// Samples what a process holds (its sockets by default) on a background thread until stopped.
final class DescriptorSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var maximum = 0
    private var count = 0
    private var loop: LoopThread?

    /// - Parameter measure: what to count for `pid` (sockets, or every descriptor).
    init(pid: Int32, measure: @escaping @Sendable (Int32) -> Int = IdleConnections.socketsHeld(by:)) {
        loop = LoopThread { [self] in
            let held = measure(pid)
            lock.withLock {
                maximum = Swift.max(maximum, held)
                count += 1
            }
            usleep(5_000)
        }
    }

    var max: Int { lock.withLock { maximum } }

    /// Stops sampling; the largest count seen and the number of samples.
    func stop() -> (max: Int, samples: Int) {
        loop?.stop()
        return lock.withLock { (maximum, count) }
    }
}

/// Opens idle connections to a port without pause, closing the oldest beyond 1,000, until stopped.
final class FloodThread: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var sockets: [Int32] = []
    private var loop: LoopThread?

    init(port: Int) {
        loop = LoopThread(step: { [self] in
            guard let fd = IdleConnections.open(port: port) else { return }
            let oldest: Int32? = lock.withLock {
                count += 1
                sockets.append(fd)
                return sockets.count > 1_000 ? sockets.removeFirst() : nil
            }
            if let oldest { IdleConnections.close([oldest]) }
        }, finish: { [self] in IdleConnections.close(lock.withLock { sockets }) })
    }

    var opened: Int { lock.withLock { count } }

    func stop() { loop?.stop() }
}
