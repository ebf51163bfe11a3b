import Foundation

/// One edge of the build graph: `from` needs `to` built first, because of `dependency`.
public struct BuildEdge: Hashable, Sendable, Codable {
    public var from: String
    public var to: String
    /// The BuildRequires (and, for runtime-closure edges, the Requires chain) that makes the edge.
    public var dependency: String

    public init(from: String, to: String, dependency: String) {
        self.from = from
        self.to = to
        self.dependency = dependency
    }
}

/// A directed graph of source packages over integer node numbers; edges point at what must be built first.
public struct DependencyGraph: Sendable {
    public let names: [String]
    /// `successors[n]`: the nodes `n` needs built before it, without duplicates.
    public let successors: [[Int]]
    public let edges: [BuildEdge]
    private let indexByName: [String: Int]

    /// `edges[i]` runs from node `endpoints[i].from` to node `endpoints[i].to`.
    public let endpoints: [(from: Int, to: Int)]

    /// Builds the graph; edges naming unknown packages and self-edges are dropped, duplicate pairs keep the first.
    public init(names: [String], edges: [BuildEdge]) {
        var index: [String: Int] = [:]
        for (number, name) in names.enumerated() where index[name] == nil { index[name] = number }
        let numbered = edges.compactMap { edge -> (Int, Int, BuildEdge)? in
            guard let from = index[edge.from], let to = index[edge.to] else { return nil }
            return (from, to, edge)
        }
        self.init(names: names, index: index, numberedEdges: numbered)
    }

    /// Builds the graph from edges already numbered (the builder knows the numbers; hashing names again is the slow part).
    init(names: [String], numberedEdges: [(Int, Int, BuildEdge)]) {
        var index: [String: Int] = [:]
        for (number, name) in names.enumerated() where index[name] == nil { index[name] = number }
        self.init(names: names, index: index, numberedEdges: numberedEdges)
    }

    private init(names: [String], index: [String: Int], numberedEdges: [(Int, Int, BuildEdge)]) {
        self.names = names
        indexByName = index
        var successors = Array(repeating: [Int](), count: names.count)
        var seen = Set<Int>()
        var kept: [BuildEdge] = []
        var endpoints: [(from: Int, to: Int)] = []
        for (from, to, edge) in numberedEdges {
            guard from != to, seen.insert(from &* names.count &+ to).inserted else { continue }
            successors[from].append(to)
            kept.append(edge)
            endpoints.append((from, to))
        }
        self.successors = successors
        self.edges = kept
        self.endpoints = endpoints
    }

    public func index(of name: String) -> Int? { indexByName[name] }

    /// The reverse adjacency: for each node, the nodes that need it.
    public var predecessors: [[Int]] {
        var result = Array(repeating: [Int](), count: names.count)
        for (from, targets) in successors.enumerated() { for to in targets { result[to].append(from) } }
        return result
    }

    /// Strongly connected components by Tarjan's algorithm (iterative, so deep graphs do not overflow the stack),
    /// emitted dependencies first: every component comes after all components it needs.
    public func stronglyConnectedComponents() -> [[Int]] {
        let count = names.count
        var order = Array(repeating: -1, count: count)
        var lowLink = Array(repeating: 0, count: count)
        var onStack = Array(repeating: false, count: count)
        var stack: [Int] = []
        var components: [[Int]] = []
        var counter = 0
        var work: [(node: Int, next: Int)] = []
        for root in 0..<count where order[root] < 0 {
            work.append((root, 0))
            while !work.isEmpty {
                let (node, next) = work[work.count - 1]
                if next == 0 {
                    order[node] = counter
                    lowLink[node] = counter
                    counter += 1
                    stack.append(node)
                    onStack[node] = true
                }
                if next < successors[node].count {
                    work[work.count - 1].next = next + 1
                    let target = successors[node][next]
                    if order[target] < 0 {
                        work.append((target, 0))
                    } else if onStack[target] {
                        lowLink[node] = min(lowLink[node], order[target])
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last { lowLink[parent.node] = min(lowLink[parent.node], lowLink[node]) }
                if lowLink[node] == order[node] {
                    var component: [Int] = []
                    while let member = stack.popLast() {
                        onStack[member] = false
                        component.append(member)
                        if member == node { break }
                    }
                    components.append(component.sorted())
                }
            }
        }
        return components
    }

    /// Wave numbers (0-based): a node's wave is one more than the highest wave it needs; a cycle shares one wave.
    public func waves(components: [[Int]]) -> [Int] {
        var componentOf = Array(repeating: 0, count: names.count)
        for (number, component) in components.enumerated() { for node in component { componentOf[node] = number } }
        var wave = Array(repeating: 0, count: names.count)
        // Components arrive dependencies first, so every needed wave is final when read.
        for (number, component) in components.enumerated() {
            var level = 0
            for node in component {
                for target in successors[node] where componentOf[target] != number { level = max(level, wave[target] + 1) }
            }
            for node in component { wave[node] = level }
        }
        return wave
    }

    /// Every node reachable from `starts` along `adjacency`, the starts included.
    public static func reachable(from starts: [Int], adjacency: [[Int]]) -> Set<Int> {
        var seen = Set(starts)
        var pending = starts
        while let node = pending.popLast() {
            for next in adjacency[node] where seen.insert(next).inserted { pending.append(next) }
        }
        return seen
    }
}

/// The smallest set of edges whose removal makes a strongly connected component acyclic.
public enum FeedbackArcSet {
    /// Exact search up to `exactLimit` edges in the component, else the greedy ordering of Eades, Lin and Smyth.
    public static func compute(nodes: [Int], edges: [(Int, Int)], exactLimit: Int = 24) -> (edges: [(Int, Int)], exact: Bool) {
        if edges.count <= exactLimit, let exact = exactSearch(nodes: nodes, edges: edges) { return (exact, true) }
        return (greedy(nodes: nodes, edges: edges), false)
    }

    static func isAcyclic(nodes: [Int], edges: [(Int, Int)]) -> Bool {
        var inDegree: [Int: Int] = [:]
        var outgoing: [Int: [Int]] = [:]
        for node in nodes { inDegree[node] = 0 }
        for (from, to) in edges {
            inDegree[to, default: 0] += 1
            outgoing[from, default: []].append(to)
        }
        var ready = inDegree.filter { $0.value == 0 }.map(\.key)
        var removed = 0
        while let node = ready.popLast() {
            removed += 1
            for next in outgoing[node] ?? [] {
                inDegree[next]! -= 1
                if inDegree[next] == 0 { ready.append(next) }
            }
        }
        return removed == inDegree.count
    }

    private static func exactSearch(nodes: [Int], edges: [(Int, Int)]) -> [(Int, Int)]? {
        var budget = 300_000
        for size in 1...max(1, edges.count) {
            var chosen: [Int] = []
            var found: [Int]?
            func search(start: Int) {
                if found != nil || budget <= 0 { return }
                if chosen.count == size {
                    budget -= 1
                    let removed = Set(chosen)
                    let rest = edges.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
                    if isAcyclic(nodes: nodes, edges: rest) { found = chosen }
                    return
                }
                guard start < edges.count else { return }
                for candidate in start..<edges.count {
                    chosen.append(candidate)
                    search(start: candidate + 1)
                    chosen.removeLast()
                    if found != nil || budget <= 0 { return }
                }
            }
            search(start: 0)
            if let found { return found.map { edges[$0] } }
            if budget <= 0 { return nil }
        }
        return nil
    }

    /// Orders nodes (sinks last, sources first, else the largest out-minus-in first) and returns the edges pointing backwards.
    static func greedy(nodes: [Int], edges: [(Int, Int)]) -> [(Int, Int)] {
        var outgoing: [Int: Set<Int>] = [:]
        var incoming: [Int: Set<Int>] = [:]
        for (from, to) in edges {
            outgoing[from, default: []].insert(to)
            incoming[to, default: []].insert(from)
        }
        var remaining = Set(nodes)
        var head: [Int] = []
        var tail: [Int] = []
        func remove(_ node: Int) {
            remaining.remove(node)
            for next in outgoing[node] ?? [] { incoming[next]?.remove(node) }
            for previous in incoming[node] ?? [] { outgoing[previous]?.remove(node) }
        }
        while !remaining.isEmpty {
            var changed = true
            while changed {
                changed = false
                for node in remaining.sorted() where (outgoing[node] ?? []).isEmpty {
                    tail.append(node); remove(node); changed = true
                }
                for node in remaining.sorted() where (incoming[node] ?? []).isEmpty {
                    head.append(node); remove(node); changed = true
                }
            }
            if let best = remaining.max(by: { left, right in
                let leftScore = (outgoing[left]?.count ?? 0) - (incoming[left]?.count ?? 0)
                let rightScore = (outgoing[right]?.count ?? 0) - (incoming[right]?.count ?? 0)
                return leftScore != rightScore ? leftScore < rightScore : left > right
            }) {
                head.append(best); remove(best)
            }
        }
        let order = head + tail.reversed()
        var position: [Int: Int] = [:]
        for (place, node) in order.enumerated() { position[node] = place }
        return edges.filter { position[$0.0]! > position[$0.1]! }
    }
}
