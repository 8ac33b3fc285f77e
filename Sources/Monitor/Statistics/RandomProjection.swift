import Foundation
import SeededRandom

extension SplitMix64 {
    /// `count` standard normals by Box–Muller, using both the cosine and the sine of each pair
    /// (as the fixture script does, so projection directions are reproducible across languages).
    mutating func nextGaussians(_ count: Int) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(count + 1)
        while out.count < count {
            let u1 = 1.0 - nextUnit()  // (0, 1], so log(u1) is finite
            let u2 = nextUnit()
            let r = (-2.0 * log(u1)).squareRoot()
            let theta = 2.0 * Double.pi * u2
            out.append(r * cos(theta))
            out.append(r * sin(theta))
        }
        return Array(out.prefix(count))
    }
}

/// Projections of embeddings onto `count` fixed random unit directions.
///
/// Input drift on a 384-dim embedding is watched through a handful of 1-D projections (PSI per
/// projection): random directions preserve distances on average (Johnson–Lindenstrauss), are
/// cheap (O(count·dim) per example), and the same seed gives the same directions after a restart,
/// so reference and current windows stay comparable.
struct RandomProjection: Sendable, Codable, Equatable {
    let seed: UInt64
    let dimension: Int
    /// `count` unit vectors of length `dimension`.
    let directions: [[Double]]

    /// Draws `count` Gaussian directions of length `dimension` and normalises each.
    init(seed: UInt64, count: Int, dimension: Int) {
        precondition(count >= 1 && dimension >= 1,
                     "RandomProjection needs count >= 1 and dimension >= 1, got \(count) × \(dimension)")
        var rng = SplitMix64(seed: seed)
        var dirs: [[Double]] = []
        for _ in 0..<count {
            let v = rng.nextGaussians(dimension)
            var sumSquares = 0.0
            for x in v { sumSquares += x * x }
            let norm = sumSquares.squareRoot()
            dirs.append(v.map { $0 / norm })
        }
        self.seed = seed
        self.dimension = dimension
        self.directions = dirs
    }

    /// Number of directions.
    var count: Int { directions.count }

    /// Dot products of `vector` with each direction.
    /// - Precondition: `vector.count == dimension`.
    func project<V: Collection>(_ vector: V) -> [Double] where V.Element: BinaryFloatingPoint {
        precondition(vector.count == dimension,
                     "RandomProjection expects \(dimension)-dim vectors, got \(vector.count)")
        return directions.map { direction in
            var s = 0.0
            for (a, b) in zip(vector, direction) { s += Double(a) * b }
            return s
        }
    }
}
