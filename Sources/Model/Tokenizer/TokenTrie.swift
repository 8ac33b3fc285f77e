/// A prefix tree over the vocabulary's Unicode scalars for WordPiece's greedy
/// longest-match-first search: one walk per piece instead of one hash lookup per
/// candidate substring, and no `String` is built while tokenizing.
///
/// Two roots: `wordStart` holds every token verbatim (the reference looks any token up at
/// the start of a word); `continuation` holds the tokens that begin with `##`, without the
/// prefix (the reference looks up `"##" + piece` inside a word). Keys are exact scalar
/// sequences — unlike `String` equality, which would merge canonically equivalent tokens
/// that Python's dict keeps apart.
///
/// Edges live in one open-addressing table keyed by (node, scalar).
struct TokenTrie: Sendable {
    static let wordStart: UInt32 = 0
    static let continuation: UInt32 = 1

    /// Token id ending at each node, or -1.
    private var terminalIDs: [Int32]
    /// Edge keys `occupied | node << 21 | scalar`; 0 marks an empty slot.
    private var edgeKeys: [UInt64]
    private var edgeTargets: [UInt32]
    private var shift: UInt64

    private static let occupied: UInt64 = 1 << 63

    /// Builds the trie; for a token listed twice the later line wins, as in the reference's
    /// `load_vocab` (a dict assignment per line).
    init(tokens: [String]) {
        var terminalIDs: [Int32] = [-1, -1]
        var edges: [UInt64: UInt32] = [:]
        edges.reserveCapacity(tokens.count * 4)

        func insert<S: Sequence<Unicode.Scalar>>(_ scalars: S, from root: UInt32, id: Int32) {
            var node = root
            for scalar in scalars {
                let key = Self.key(node, scalar.value)
                if let next = edges[key] {
                    node = next
                } else {
                    let next = UInt32(terminalIDs.count)
                    terminalIDs.append(-1)
                    edges[key] = next
                    node = next
                }
            }
            terminalIDs[Int(node)] = id
        }

        for (index, token) in tokens.enumerated() {
            let id = Int32(index)
            insert(token.unicodeScalars, from: Self.wordStart, id: id)
            let scalars = token.unicodeScalars
            if scalars.count > 2, scalars.first == "#", scalars.dropFirst().first == "#" {
                insert(scalars.dropFirst(2), from: Self.continuation, id: id)
            }
        }

        var bits = 4
        while (1 << bits) < edges.count * 2 { bits += 1 }
        let capacity = 1 << bits
        var keys = [UInt64](repeating: 0, count: capacity)
        var targets = [UInt32](repeating: 0, count: capacity)
        let shift = UInt64(64 - bits)
        for (key, target) in edges {
            var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while keys[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = key
            targets[slot] = target
        }
        self.terminalIDs = terminalIDs
        self.edgeKeys = keys
        self.edgeTargets = targets
        self.shift = shift
    }

    @inline(__always)
    private static func key(_ node: UInt32, _ scalar: UInt32) -> UInt64 {
        occupied | UInt64(node) << 21 | UInt64(scalar)
    }

    /// The child of `node` along `scalar`, if any.
    @inline(__always)
    func child(of node: UInt32, _ scalar: UInt32) -> UInt32? {
        let key = Self.key(node, scalar)
        let mask = edgeKeys.count - 1
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let found = edgeKeys[slot]
            if found == key { return edgeTargets[slot] }
            if found == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    /// The id of the exact scalar sequence from `root`, if it is a token.
    func id<S: Sequence<Unicode.Scalar>>(of scalars: S, from root: UInt32 = wordStart) -> Int32? {
        var node = root
        for scalar in scalars {
            guard let next = child(of: node, scalar.value) else { return nil }
            node = next
        }
        let id = terminalIDs[Int(node)]
        return id >= 0 && node != root ? id : nil
    }

    /// The longest token that is a prefix of `word[start...]`, searched from `root`.
    /// - Returns: the end index (exclusive) and token id, or nil when no token matches.
    @inline(__always)
    func longestMatch(in word: UnsafeBufferPointer<UInt32>, from start: Int, root: UInt32) -> (end: Int, id: Int32)? {
        var node = root
        var best: (end: Int, id: Int32)?
        var index = start
        while index < word.count, let next = child(of: node, word[index]) {
            node = next
            index += 1
            let id = terminalIDs[Int(node)]
            if id >= 0 { best = (index, id) }
        }
        return best
    }
}
