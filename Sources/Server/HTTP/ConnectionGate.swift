import Foundation
import HummingbirdCore
import Logging
import ServiceLifecycle
import Synchronization

/// The control plane's open connections: at most `maxConnections` at once (further ones wait in
/// the listen backlog, so a flood cannot take the process's file descriptors), and none accepted
/// once a shutdown began. The limit never exceeds what the descriptor limit allows
/// (``connectionLimit(requested:descriptorLimit:)``), whatever was configured.
///
/// Shared by the accept handler (through ``delegate``) and ``ConnectionDrain``, which stops
/// accepting and waits for the accepted connections to close before the listener closes.
/// Closing the listener while an accepted connection is still on its way to the serving loop
/// traps in NIO ("Deinited NIOAsyncWriter without calling finish()", apple/swift-nio#2637 and
/// #2813): with no accept in flight and every accepted connection closed there is nothing to drop.
package final class ConnectionGate: Sendable {
    /// `open` and `closed` behind the lock: the accept handler runs on an event loop.
    private struct State {
        var open = 0
        var closed = false
    }

    /// The limit in force: the requested one, lowered to what the descriptor limit allows.
    package let maxConnections: Int
    /// The limit asked for (`server.max_connections`).
    package let requestedConnections: Int
    /// The process's descriptor limit the limit was derived from (nil: unlimited).
    package let descriptorLimit: Int?
    private let state = Mutex(State())

    /// - Parameters:
    ///   - maxConnections: the limit asked for.
    ///   - descriptorLimit: the `RLIMIT_NOFILE` to respect (nil: unlimited); this process's by default.
    package init(maxConnections: Int, descriptorLimit: Int? = ConnectionGate.processDescriptorLimit()) {
        precondition(maxConnections >= 1, "maxConnections must be >= 1")
        self.requestedConnections = maxConnections
        self.descriptorLimit = descriptorLimit
        self.maxConnections = Self.connectionLimit(requested: maxConnections, descriptorLimit: descriptorLimit)
    }

    /// Connections accepted and not yet closed.
    package var open: Int { state.withLock { $0.open } }

    /// The delegate Hummingbird's accept handler asks before each accept.
    var delegate: Delegate { Delegate(gate: self) }

    /// Stops accepting; connections already accepted go on until they close.
    func close() { state.withLock { $0.closed = true } }

    struct Delegate: AvailableConnectionsDelegate {
        let gate: ConnectionGate
        func connectionOpened() { gate.state.withLock { $0.open += 1 } }
        func connectionClosed() { gate.state.withLock { $0.open -= 1 } }
        func isAcceptingNewConnections() -> Bool {
            gate.state.withLock { !$0.closed && $0.open < gate.maxConnections }
        }
    }
}

/// Runs beside the HTTP application, listed after it in the same `ServiceGroup` so that it gets
/// the graceful shutdown first: it closes the ``ConnectionGate`` and waits (at most `patience`)
/// until every accepted connection has closed — idle ones by the idle timeout, busy ones when
/// their request is answered — and only then lets the group shut the server down. Accepting
/// stopped, an accepted connection reaches the serving loop within moments, so a short
/// `patience` suffices; the server's graceful shutdown closes what is still open.
package struct ConnectionDrain: Service {
    let gate: ConnectionGate
    let patience: Duration
    let logger: Logger

    /// - Parameter patience: the longest wait; the idle timeout plus a margin covers idle sockets.
    package init(gate: ConnectionGate, patience: Duration, logger: Logger) {
        self.gate = gate
        self.patience = patience
        self.logger = logger
    }

    package func run() async throws {
        do { try await gracefulShutdown() } catch {
            // Cancelled, not shut down gracefully: nothing to wait for.
            gate.close()
            return
        }
        gate.close()
        let clock = ContinuousClock()
        let deadline = clock.now + patience
        while gate.open > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if gate.open > 0 {
            logger.info("HTTP: \(gate.open) connections still open after \(patience); the server closes them")
        }
    }
}
