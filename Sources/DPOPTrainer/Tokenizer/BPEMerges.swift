/// A BPE model's merge rules by rank, applied to one word the way Hugging Face `tokenizers` does
/// (`Word::merge_all`): repeatedly merge the adjacent pair of lowest rank, the leftmost of equal
/// ranks, re-queueing the pairs a merge creates and skipping queue entries a merge made stale.
struct BPEMerges: Sendable {
    /// The rank of a pair's merge and the id of the token it makes.
    struct Rule: Sendable {
        var rank: Int32
        var merged: Int32
    }

    private var rules: [UInt64: Rule] = [:]

    /// Number of distinct pairs with a rule.
    var count: Int { rules.count }

    init() {}

    /// Adds the rule of rank `rank`; a later rule for the same pair replaces an earlier one, as in
    /// `tokenizers` (its merge map is built by inserting the merges in file order).
    mutating func add(left: Int32, right: Int32, merged: Int32, rank: Int32) {
        rules[Self.key(left, right)] = Rule(rank: rank, merged: merged)
    }

    func rule(_ left: Int32, _ right: Int32) -> Rule? { rules[Self.key(left, right)] }

    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// A queued merge of the symbol at `position` with the one after it.
    private struct Candidate {
        var rank: Int32
        var position: Int32
        var merged: Int32
        func precedes(_ other: Candidate) -> Bool {
            rank != other.rank ? rank < other.rank : position < other.position
        }
    }

    /// The ids `symbols` merge into.
    func apply(to symbols: [Int32]) -> [Int32] {
        let n = symbols.count
        if n < 2 { return symbols }
        var ids = symbols
        var previous = (0..<n).map { Int32($0) - 1 }   // -1: first symbol
        var next = (0..<n).map { Int32($0) + 1 }       // n: last symbol
        var removed = [Bool](repeating: false, count: n)
        var heap = CandidateHeap()
        for i in 0..<(n - 1) {
            if let r = rule(ids[i], ids[i + 1]) { heap.push(Candidate(rank: r.rank, position: Int32(i), merged: r.merged)) }
        }
        while let top = heap.pop() {
            let p = Int(top.position)
            if removed[p] || Int(next[p]) >= n { continue }
            let q = Int(next[p])
            guard let current = rule(ids[p], ids[q]), current.merged == top.merged else { continue }  // stale
            ids[p] = top.merged
            removed[q] = true
            next[p] = next[q]
            if Int(next[q]) < n { previous[Int(next[q])] = Int32(p) }
            if previous[p] >= 0, let r = rule(ids[Int(previous[p])], ids[p]) {
                heap.push(Candidate(rank: r.rank, position: previous[p], merged: r.merged))
            }
            if Int(next[p]) < n, let r = rule(ids[p], ids[Int(next[p])]) {
                heap.push(Candidate(rank: r.rank, position: Int32(p), merged: r.merged))
            }
        }
        var out: [Int32] = []
        out.reserveCapacity(n)
        for i in 0..<n where !removed[i] { out.append(ids[i]) }
        return out
    }

    /// A binary min-heap of candidates ordered by (rank, position).
    private struct CandidateHeap {
        private var items: [Candidate] = []

        mutating func push(_ c: Candidate) {
            items.append(c)
            var i = items.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard items[i].precedes(items[parent]) else { break }
                items.swapAt(i, parent)
                i = parent
            }
        }

        mutating func pop() -> Candidate? {
            guard let first = items.first else { return nil }
            let last = items.removeLast()
            if items.isEmpty { return first }
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var smallest = i
                if l < items.count && items[l].precedes(items[smallest]) { smallest = l }
                if r < items.count && items[r].precedes(items[smallest]) { smallest = r }
                if smallest == i { break }
                items.swapAt(i, smallest)
                i = smallest
            }
            return first
        }
    }
}
