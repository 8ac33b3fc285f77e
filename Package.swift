// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "StreamLoRA",
    // Built and run on Linux (Debian 12); macOS 15 is the first with the Synchronization module's `Mutex`.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "streamlora", targets: ["streamlora"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        // SHA-256 of versions' files (BoringSSL: SHA extensions where the CPU has them).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // System libraries: shims only.
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "Crdkafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),

        // AVX512-BF16 gemm micro-kernel (C; AVX-512 enabled per function, so it builds for any
        // x86-64 and is dispatched at run time). Optimized even in debug builds: the tests run
        // the real MiniLM through it.
        .target(name: "CBFloat16", cSettings: [.unsafeFlags(["-O2"])]),
        // Small fp32 products of one adapter's low-rank branch over a few rows (C; AVX-512 and
        // AVX2 + FMA enabled per function, chosen at run time). Optimized in debug builds too.
        .target(name: "CLowRank", cSettings: [.unsafeFlags(["-O2"])]),
        // AdamW's scan (gradient norm, overflow bounds) and update over an adapter's flat buffers
        // (C; AVX-512 and AVX2 enabled per function, chosen at run time; no FMA contraction, so
        // bitwise the scalar loop). Optimized in debug builds too.
        .target(name: "CAdamW", cSettings: [.unsafeFlags(["-O2"])]),
        // BLAS core: contiguous Float buffers, sgemm wrappers, fused kernels (+ naive references).
        .target(name: "Tensor", dependencies: ["COpenBLAS", "CBFloat16", "CLowRank", "CAdamW"]),
        // SplitMix64: the seeded generator shared by Model (init, dropout), Learner (replay) and
        // Monitor (drift projections), identical to the fixture scripts'.
        .target(name: "SeededRandom"),
        // safetensors, tokenizer, BERT encoder fwd/bwd, LoRA, heads, AdamW.
        .target(name: "Model", dependencies: ["Tensor", "SeededRandom"]),
        // The one lock type (Mutex, boxed as `Locked` for shared state) and the one way off the
        // cooperative pool (`Blocking.run`: a thread per call).
        .target(name: "Threads"),
        // SHA-256, shared by the registry's checksums and the DLQ's truncation headers.
        .target(name: "Checksum", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // librdkafka consumer/producer, message schema, DLQ, embedded broker.
        .target(name: "Stream", dependencies: [
            "Crdkafka", "Checksum", "Threads",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Versioned adapter store: manifests, atomic LIVE pointer, journal.
        .target(name: "Registry", dependencies: ["API", "Model", "Checksum"]),
        // Drift detectors and statistics.
        .target(name: "Monitor", dependencies: ["SeededRandom"]),
        // Online loop: prequential metrics, holdout, replay, snapshot/gate/rollback policies, pipeline config.
        .target(name: "Learner", dependencies: [
            "API", "Tensor", "Model", "SeededRandom", "Stream", "Registry", "Monitor",
            .product(name: "Yams", package: "Yams"),
        ]),
        // The control plane's protocol and Codable types: what the agent answers, the server sends, the CLI
        // client decodes and the dashboard reads (one declaration, no translation between them).
        .target(name: "API", dependencies: ["Monitor"]),
        // HTTP control plane and dashboard.
        .target(name: "Server", dependencies: [
            "API", "Monitor", "Threads",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // The running agent: adapter workers, live adapters, the model runtime, rebalance
        // hand-over, prediction batching, and the control plane over them; a ServiceLifecycle `Service`.
        .target(name: "AgentRuntime", dependencies: [
            "Tensor", "Model", "Stream", "Registry", "Monitor", "Learner", "API", "Threads",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        .executableTarget(name: "streamlora", dependencies: [
            "Tensor", "Model", "SeededRandom", "Stream", "Registry", "Monitor", "Learner", "API", "Server", "AgentRuntime", "Threads",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Tensor", "SeededRandom"], resources: [.copy("Fixtures")]),
        // Bad records, idle-connection floods and test sockets shared by the decoder, DLQ, server and agent tests.
        .target(name: "TestCorpora", dependencies: ["Stream", "Checksum"], path: "Tests/Corpora"),
        .testTarget(name: "StreamTests", dependencies: ["Stream", "Crdkafka", "TestCorpora", "Threads"]),
        .testTarget(name: "RegistryTests", dependencies: ["API", "Registry", "Model", "SeededRandom"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MonitorTests", dependencies: ["Monitor", "SeededRandom"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ServerTests", dependencies: [
            "API", "Server", "Monitor", "TestCorpora",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "LearnerTests", dependencies: ["API", "Learner", "Model", "SeededRandom", "Tensor", "Stream", "Registry", "Monitor"]),
        // The agent in process and the CLI as a process: embedded broker, real files, real HTTP.
        .testTarget(name: "AgentRuntimeTests", dependencies: [
            "AgentRuntime", "API", "Learner", "Model", "SeededRandom", "Stream", "Registry", "TestCorpora", "Threads",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
