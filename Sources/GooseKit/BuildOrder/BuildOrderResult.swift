import Foundation

/// What `goose build-order` prints: the selected packages in waves, with the edges, cycles and externals among them.
public struct BuildOrderResult: Sendable, Codable, Equatable {
    /// A topological order (waves flattened).
    public var packages: [String]
    /// `from` needs `to` built first.
    public var edges: [BuildEdge]
    public var sccs: [[String]]
    public var waves: [[String]]
    public var externals: [ExternalDependency]
    public var cycles: [CycleReport]
    /// Packages not asked for that sit between asked-for ones (shown with --include-between).
    public var pulledIn: [String]
    /// Shown packages whose spec generates BuildRequires at build time: ordered by their static BuildRequires only,
    /// unless `buildRequiresFrom` names the `rpmbuild -br` SRPM that supplied the generated ones.
    public var dynamicBuildRequires: [DynamicBuildRequiresNote] = []
}

/// Which packages to show: all, a subset ordered through the whole graph, or what must be rebuilt after a change.
public struct BuildOrderSelection: Sendable {
    public var subset: [String]
    public var includeBetween: Bool
    public var reverseDependenciesOf: [String]

    public init(subset: [String] = [], includeBetween: Bool = false, reverseDependenciesOf: [String] = []) {
        self.subset = subset
        self.includeBetween = includeBetween
        self.reverseDependenciesOf = reverseDependenciesOf
    }

    /// Applies the selection; unknown package names are a usage error.
    public func apply(to analysis: BuildOrderAnalysis) throws -> BuildOrderResult {
        let graph = analysis.graph
        func indices(_ names: [String]) throws -> [Int] {
            try names.map { name in
                guard let index = graph.index(of: name) else { throw GooseError.usage("build-order: no source package named '\(name)' among the inputs") }
                return index
            }
        }
        var shown = Set(0..<graph.names.count)
        var pulledIn: [Int] = []
        if !reverseDependenciesOf.isEmpty {
            shown = DependencyGraph.reachable(from: try indices(reverseDependenciesOf), adjacency: graph.predecessors)
        }
        if !subset.isEmpty {
            let chosen = try indices(subset)
            let needed = DependencyGraph.reachable(from: chosen, adjacency: graph.successors)
            let needing = DependencyGraph.reachable(from: chosen, adjacency: graph.predecessors)
            let between = needed.intersection(needing).subtracting(chosen)
            pulledIn = between.sorted { graph.names[$0] < graph.names[$1] }
            shown = shown.intersection(Set(chosen).union(includeBetween ? between : []))
        }
        return Self.result(analysis, shown: shown, pulledIn: pulledIn)
    }

    /// Waves restricted to `shown`: the global wave numbers keep every path through hidden packages in order.
    static func result(_ analysis: BuildOrderAnalysis, shown: Set<Int>, pulledIn: [Int]) -> BuildOrderResult {
        let graph = analysis.graph
        var byWave: [Int: [String]] = [:]
        for node in shown { byWave[analysis.waveOfNode[node], default: []].append(graph.names[node]) }
        let waves = byWave.keys.sorted().map { byWave[$0]!.sorted() }
        let shownNames = Set(shown.map { graph.names[$0] })
        let edges = zip(graph.edges, graph.endpoints).filter { shown.contains($0.1.from) && shown.contains($0.1.to) }.map(\.0)
        let cycles = analysis.cycles.filter { $0.members.contains(where: shownNames.contains) }
        let sccs = cycles.map(\.members)
        let externals = analysis.externals.compactMap { external -> ExternalDependency? in
            var copy = external
            copy.neededBy = external.neededBy.filter(shownNames.contains)
            return copy.neededBy.isEmpty ? nil : copy
        }
        return BuildOrderResult(packages: waves.flatMap { $0 }, edges: edges, sccs: sccs, waves: waves,
                                externals: externals, cycles: cycles, pulledIn: pulledIn.map { graph.names[$0] },
                                dynamicBuildRequires: analysis.dynamicBuildRequires.filter { shownNames.contains($0.package) }
                                    .sorted { $0.package < $1.package })
    }
}

/// The output formats of `goose build-order`.
public enum BuildOrderFormat: String, CaseIterable, Sendable {
    case waves, chain, list, dot, json
}

/// Renders a `BuildOrderResult` as text; pure, so every format is unit-tested without files.
public enum BuildOrderFormatter {
    public static func render(_ result: BuildOrderResult, format: BuildOrderFormat) -> String {
        switch format {
        case .waves: return waves(result)
        case .chain: return result.waves.map { $0.joined(separator: " ") }.joined(separator: " : ") + "\n"
        case .list: return result.packages.map { $0 + "\n" }.joined()
        case .dot: return dot(result)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            return String(decoding: (try? encoder.encode(result)) ?? Data(), as: UTF8.self) + "\n"
        }
    }

    /// One line per wave; members of a cycle are grouped in braces and numbered as in `cycleReport`.
    static func waves(_ result: BuildOrderResult) -> String {
        var cycleOf: [String: Int] = [:]
        for (number, cycle) in result.cycles.enumerated() { for member in cycle.members { cycleOf[member] = number + 1 } }
        let width = String(result.waves.count).count
        var lines: [String] = []
        for (number, wave) in result.waves.enumerated() {
            var words: [String] = []
            var groups: [Int: [String]] = [:]
            for name in wave {
                if let cycle = cycleOf[name] { groups[cycle, default: []].append(name) } else { words.append(name) }
            }
            for cycle in groups.keys.sorted() { words.append("{cycle \(cycle): \(groups[cycle]!.joined(separator: " "))}") }
            let label = String(number + 1)
            lines.append("wave \(String(repeating: " ", count: width - label.count))\(label): \(words.joined(separator: " "))")
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Notes for stderr about `%generate_buildrequires` packages: which are ordered by static BuildRequires only.
    public static func dynamicBuildRequiresNotes(_ result: BuildOrderResult) -> [String] {
        var notes: [String] = []
        let unresolved = result.dynamicBuildRequires.filter { $0.buildRequiresFrom == nil }.map(\.package)
        if !unresolved.isEmpty {
            notes.append("note: \(unresolved.joined(separator: " ")) generate\(unresolved.count == 1 ? "s" : "") BuildRequires at build time (%generate_buildrequires); "
                         + "ordered by the static BuildRequires only (give `rpmbuild -br` SRPMs with --dynamic-buildrequires)")
        }
        for note in result.dynamicBuildRequires {
            if let origin = note.buildRequiresFrom { notes.append("note: \(note.package): generated BuildRequires from \(origin)") }
        }
        return notes
    }

    /// Human-readable cycle details: the edges, the edges to break, and which go away with `--with bootstrap`.
    public static func cycleReport(_ result: BuildOrderResult) -> String {
        var text = ""
        for (number, cycle) in result.cycles.enumerated() {
            text += "cycle \(number + 1) (\(cycle.members.count) packages): \(cycle.members.joined(separator: " "))\n"
            for edge in cycle.edges { text += "  \(edge.from) BuildRequires: \(edge.dependency) (from \(edge.to))\n" }
            let kind = cycle.exact ? "smallest" : "greedy"
            text += "  break (\(kind) feedback arc set, \(cycle.breakingEdges.count) edge\(cycle.breakingEdges.count == 1 ? "" : "s")):\n"
            for edge in cycle.breakingEdges {
                let bootstrap = cycle.bootstrapRemovable.contains(edge) ? "  [gone with --with bootstrap]" : ""
                text += "    \(edge.from) -> \(edge.to): \(edge.dependency)\(bootstrap)\n"
            }
        }
        return text
    }

    static func dot(_ result: BuildOrderResult) -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let inCycle = Set(result.cycles.flatMap(\.members))
        // Dashed: the package generates BuildRequires the graph does not know.
        let partlyKnown = Set(result.dynamicBuildRequires.filter { $0.buildRequiresFrom == nil }.map(\.package))
        var text = "digraph build_order {\n  rankdir=BT;\n  node [shape=box];\n"
        for (number, wave) in result.waves.enumerated() {
            text += "  { rank=same; // wave \(number + 1)\n"
            for name in wave {
                var attributes: [String] = []
                if inCycle.contains(name) { attributes.append("color=red") }
                if partlyKnown.contains(name) { attributes.append("style=dashed") }
                text += "    \(quoted(name))\(attributes.isEmpty ? "" : " [\(attributes.joined(separator: ", "))]");\n"
            }
            text += "  }\n"
        }
        for edge in result.edges {
            let red = inCycle.contains(edge.from) && inCycle.contains(edge.to) ? ", color=red" : ""
            text += "  \(quoted(edge.from)) -> \(quoted(edge.to)) [label=\(quoted(edge.dependency))\(red)];\n"
        }
        return text + "}\n"
    }
}
