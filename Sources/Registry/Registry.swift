// Registry: the versioned adapter store (DESIGN §5–§7).
//
// On disk, per adapter:
//
//     registry/<adapter>/versions/000042/adapter_model.safetensors   PEFT key layout (PEFTKeys)
//                                        adapter_config.json         PEFT LoraConfig (PEFTLoRAConfig)
//                                        manifest.json               ours (Manifest)
//     registry/<adapter>/LIVE            "000042\n", replaced atomically
//     registry/<adapter>/journal.jsonl   append-only history (JournalEntry)
//     registry/<adapter>/.lock           flock: exclusive for every mutation
//
// Crash protocol (DurableFiles): a version is assembled in `versions/.NNNNNN.tmp`, every file fsynced,
// the directory fsynced, renamed into place, `versions/` fsynced; `LIVE` and manifests are replaced
// via `*.tmp` + fsync + rename + directory fsync (a rollback past the first version removes `LIVE`:
// unlink + directory fsync); journal lines are appended and fsynced last. An
// fsync error aborts the operation and is never retried. Readers ignore `*.tmp`; opening a registry
// deletes them when nobody holds the lock. Loading verifies sizes and sha256s from the manifest, so a
// torn or corrupt version is refused with the file named (RegistryError.corruptVersion).
//
// Truth: `LIVE` says which version is live (a manifest still saying `live` after a crash reads as
// `superseded`); the newest verifying manifest holds the offsets and trained-ids digest a restarting
// agent resumes from (`newestDurable()`).
//
// Use from the learner (on its own thread; calls may block on the lock for `lockTimeout` seconds):
//
//     let registry = try AdapterRegistry(root: URL(fileURLWithPath: "registry"), adapter: "default")
//     if let v = try registry.live() { let adapter = try registry.load(v) … adapter.continuation … }
//     let candidate = try registry.write(snapshot, reason: "every 500 examples")      // status candidate
//     try registry.promote(candidate.version, reason: "gate: …")  or  try registry.reject(…, reason: "gate: …")
//     try registry.rollback(reason: "prequential accuracy fell 0.08 after promotion")  // previous good live
//     try registry.clearLive(v, reason: "…")       // no earlier good version: nothing live, v rejected
//     try registry.applyRetention(keep: 20)
