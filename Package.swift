// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "StreamLoRA",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "streamlora", targets: ["streamlora"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
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
        // BLAS core: contiguous Float buffers, sgemm wrappers, fused kernels (+ naive references).
        .target(name: "Tensor", dependencies: ["COpenBLAS", "CBFloat16"]),
        // safetensors, tokenizer, BERT encoder fwd/bwd, LoRA, heads, AdamW.
        .target(name: "Model", dependencies: ["Tensor"]),
        // SHA-256, shared by the registry's checksums and the DLQ's truncation headers.
        .target(name: "Checksum"),
        // librdkafka consumer/producer, message schema, DLQ, embedded broker.
        .target(name: "Stream", dependencies: [
            "Crdkafka", "Checksum",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Versioned adapter store: manifests, atomic LIVE pointer, journal.
        .target(name: "Registry", dependencies: ["Model", "Checksum"]),
        // Drift detectors and statistics.
        .target(name: "Monitor"),
        // Online loop: prequential metrics, holdout, replay, snapshot/gate/rollback policies, pipeline config.
        .target(name: "Learner", dependencies: [
            "Tensor", "Model", "Stream", "Registry", "Monitor",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),
        // The control plane's protocol and Codable types: what the agent answers, the server sends, the CLI
        // client decodes and the dashboard reads (one declaration, no translation between them).
        .target(name: "API", dependencies: ["Monitor"]),
        // HTTP control plane and dashboard.
        .target(name: "Server", dependencies: [
            "API", "Monitor",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // The running agent: adapter workers, live adapters, the model runtime, rebalance
        // hand-over, prediction batching, and the control plane over them; a ServiceLifecycle `Service`.
        .target(name: "AgentRuntime", dependencies: [
            "Tensor", "Model", "Stream", "Registry", "Monitor", "Learner", "API",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        .executableTarget(name: "streamlora", dependencies: [
            "Tensor", "Model", "Stream", "Registry", "Monitor", "Learner", "API", "Server", "AgentRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Tensor"], resources: [.copy("Fixtures")]),
        // Bad records shared by the decoder, DLQ and agent tests.
        .target(name: "TestCorpora", dependencies: ["Stream", "Checksum"], path: "Tests/Corpora"),
        .testTarget(name: "StreamTests", dependencies: ["Stream", "Crdkafka", "TestCorpora"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "Model"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MonitorTests", dependencies: ["Monitor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ServerTests", dependencies: [
            "API", "Server", "Monitor",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "LearnerTests", dependencies: ["Learner", "Model", "Tensor", "Stream", "Registry", "Monitor"]),
        // The agent in process and the CLI as a process: embedded broker, real files, real HTTP.
        .testTarget(name: "AgentRuntimeTests", dependencies: [
            "AgentRuntime", "API", "Learner", "Model", "Tensor", "Stream", "Registry", "Monitor", "TestCorpora",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
