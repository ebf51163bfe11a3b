import Foundation

/// Generated distributions for benchmarks and property tests: layered packages with -devel subpackages,
/// runtime Requires and a few back edges that make cycles.
public enum SyntheticBuildGraph {
    public static func sources(count: Int, seed: UInt64) -> [SourcePackage] {
        var generator = SplitMixGenerator(seed: seed)
        var sources: [SourcePackage] = (0..<count).map { index in
            let name = "pkg\(index)"
            var buildRequires: [Dependency] = []
            if index > 0 {
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    let target = Int.random(in: max(0, index - 400)..<index, using: &generator)
                    buildRequires.append(Dependency(name: "pkg\(target)-devel", flags: [.greater, .equal], version: "1.0"))
                }
            }
            let evr = "1.\(index)-1"
            let runtime = index > 0 ? [Dependency(name: "pkg\(Int.random(in: 0..<index, using: &generator))")] : []
            let packages = [
                SpecBinaryPackage(name: name, provides: [Dependency(name: name, flags: .equal, version: evr)], requires: runtime),
                SpecBinaryPackage(name: name + "-devel", provides: [Dependency(name: name + "-devel", flags: .equal, version: evr)],
                                  requires: [Dependency(name: name, flags: .equal, version: evr)]),
            ]
            return SourcePackage(origin: name + ".spec", spec: ParsedSpec(name: name, evr: EVR(parsing: evr), buildRequires: buildRequires, packages: packages))
        }
        // About one package in a hundred is needed back by one of its own build dependencies: a cycle, as
        // bootstraps make in real distributions (they merge into bigger components where they overlap).
        for index in 1..<max(1, count) where Int.random(in: 0..<100, using: &generator) == 0 {
            guard let first = sources[index].spec.buildRequires.first, let target = Int(first.name.dropFirst(3).dropLast(6)) else { continue }
            sources[target].spec.buildRequires.append(Dependency(name: "pkg\(index)-devel"))
        }
        return sources
    }
}

/// A small deterministic random generator (SplitMix64), so generated graphs and property tests repeat exactly.
public struct SplitMixGenerator: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

extension BuildOrderResult {
    /// Every package of the analysis, unfiltered.
    public static func from(_ analysis: BuildOrderAnalysis) -> BuildOrderResult {
        BuildOrderSelection.result(analysis, shown: Set(0..<analysis.graph.names.count), pulledIn: [])
    }
}
