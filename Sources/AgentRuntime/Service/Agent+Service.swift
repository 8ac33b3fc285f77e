import Threads
import Foundation
import Learner
import ServiceLifecycle
import Stream

/// The agent as a ServiceLifecycle service: run it in the process's `ServiceGroup` (beside the
/// HTTP control plane), which turns SIGTERM/SIGINT into a graceful shutdown.
extension Agent: Service {
    /// Starts learning and runs until the group shuts down gracefully (or is cancelled), then
    /// finishes the current batch, snapshots every adapter with new examples, commits the offsets
    /// those snapshots cover and returns. systemd (`Type=notify`) hears READY once consuming
    /// and STOPPING when the final snapshot begins.
    package func run() async throws {
        try start()
        SystemdNotify.ready(status: "learning from \(config.kafka.topic)")
        logger.info("learning; SIGINT or SIGTERM stops after a final snapshot")
        // Cancellation (another service failed) ends in the same final snapshot as a shutdown.
        try? await gracefulShutdown()
        logger.info("stopping: finishing the current batch and snapshotting")
        SystemdNotify.stopping(status: "final snapshot")
        await Blocking.run { self.stop() }
    }
}
