import Foundation
import Model
import Registry
import Testing

@testable import AgentRuntime
@testable import Learner

/// Residency: with a budget of two live versions, publishing a third evicts the least recently
/// used; serving an evicted (or never loaded) adapter loads its live version from the real
/// registry on disk (recording the load time) and predicts exactly as before; an adapter removed
/// because another agent owns it is not reloaded.
extension LiveAdapterTests {
    @Test func residencyEvictsTheLeastRecentlyUsedAndReloadsItFromTheRegistry() throws {
        let root = dir.path("registry"), runtime = runtime
        let live = LiveAdapters(capacity: 2) { name in
            try LiveAdapter.registryLive(adapter: name, registryRoot: root, runtime: runtime)
        }
        let versions = try ["a", "b", "c"].enumerated().map { i, name in
            try publish(try randomModel(runtime.lora, labels: 2, seed: UInt64(10 + i)), adapter: name, labels: ["x", "y"])
        }
        live.publish(versions[0])
        live.publish(versions[1])
        _ = live.current("a")  // a is now more recently used than b
        live.publish(versions[2])
        #expect(live.residentCount == 2 && live.evictions == 1)
        #expect(live.current("b") == nil && live.current("a") === versions[0], "b was the least recently used")
        #expect(live.names == ["a", "b", "c"], "an evicted adapter is still served")

        let reloaded = try #require(try live.serving("b"))
        #expect(reloaded !== versions[1] && reloaded.version == versions[1].version)
        #expect(try reloaded.predict(texts) == versions[1].predict(texts))
        #expect(live.loadSeconds.count == 1 && live.residentCount == 2 && live.evictions == 2)
        #expect(live.current("c") == nil, "c was the least recently used when b came back")

        live.remove("c")
        #expect(try live.serving("c") == nil, "removed (owned elsewhere): not reloaded")
        #expect(try live.serving("nobody") == nil && (try live.serving("../registry")) == nil, "not in the registry")
        #expect(live.loadSeconds.count == 1)

        // An adapter of the registry never loaded in this process is served on demand too.
        let fresh = LiveAdapters(capacity: 2) { name in
            try LiveAdapter.registryLive(adapter: name, registryRoot: root, runtime: runtime)
        }
        #expect(try fresh.serving("c")?.version == versions[2].version && fresh.residentCount == 1)
    }
}
