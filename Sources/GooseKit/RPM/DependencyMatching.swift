import CRPM
import Foundation

extension Dependency {
    /// Whether `provide` satisfies this requirement, by librpm's `rpmdsCompare` (epoch, version, release, sense flags).
    public func isSatisfied(by provide: Dependency) -> Bool {
        isSatisfied(by: provide, strings: nil)
    }

    /// The same, with the dependency sets' strings in `strings` rather than in a new string pool per set (librpm
    /// builds and freezes a pool for each `rpmdsSingle`, which dominated ordering 3,000 packages).
    public func isSatisfied(by provide: Dependency, strings: RPMStringPool?) -> Bool {
        guard provide.name == name else { return false }
        // An unversioned requirement or provide overlaps everything; librpm agrees, this only skips its allocations.
        if flags.comparison.isEmpty || version.isEmpty || provide.flags.comparison.isEmpty || provide.version.isEmpty { return true }
        guard let required = rpmdsSinglePool(strings?.pool, rpmTagVal(RPMTAG_REQUIRENAME.rawValue), name, version, rpmsenseFlags(flags.rawValue)),
              let provided = rpmdsSinglePool(strings?.pool, rpmTagVal(RPMTAG_PROVIDENAME.rawValue), provide.name, provide.version, rpmsenseFlags(provide.flags.rawValue))
        else { return false }
        defer {
            rpmdsFree(required)
            rpmdsFree(provided)
        }
        // A single-entry set already points at its entry; rpmdsNext would step past it.
        _ = rpmdsSetIx(required, 0)
        _ = rpmdsSetIx(provided, 0)
        return rpmdsCompare(provided, required) != 0
    }
}

/// A librpm string pool shared by many dependency comparisons; one thread at a time.
public final class RPMStringPool {
    let pool: rpmstrPool

    public init() {
        pool = rpmstrPoolCreate()
    }

    deinit {
        rpmstrPoolFree(pool)
    }
}

/// A rich (boolean) dependency such as `(foo >= 2 or bar)`, as librpm's `rpmrichParse` reads it.
public indirect enum RichDependency: Hashable, Sendable {
    case single(Dependency)
    case operation(String, RichDependency, RichDependency)

    /// Parses `text`; a plain dependency becomes `.single`.
    public static func parse(_ dependency: Dependency) -> RichDependency? {
        guard dependency.isRich else { return .single(dependency) }
        let builder = RichBuilder()
        let unmanaged = Unmanaged.passRetained(builder)
        defer { unmanaged.release() }
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status: rpmRC = dependency.name.withCString { text in
            var cursor: UnsafePointer<CChar>? = text
            return rpmrichParse(&cursor, &errorMessage, { data, type, name, nameLength, evr, evrLength, senseFlags, operation, _ in
                guard let data else { return RPMRC_FAIL }
                let builder = Unmanaged<RichBuilder>.fromOpaque(data).takeUnretainedValue()
                switch type {
                case RPMRICH_PARSE_ENTER: builder.enter()
                case RPMRICH_PARSE_LEAVE: builder.leave()
                case RPMRICH_PARSE_OP: builder.operation(String(cString: rpmrichOpStr(operation)))
                case RPMRICH_PARSE_SIMPLE:
                    let nameText = name.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(nameLength)), as: UTF8.self) } ?? ""
                    let evrText = evr.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(evrLength)), as: UTF8.self) } ?? ""
                    builder.simple(Dependency(name: nameText, flags: DependencyFlags(rawValue: UInt32(senseFlags)), version: evrText))
                default: break
                }
                return RPMRC_OK
            }, unmanaged.toOpaque())
        }
        if let errorMessage { free(errorMessage) }
        guard status == RPMRC_OK else { return nil }
        return builder.result
    }

    /// The plain dependencies inside, left to right.
    public var atoms: [Dependency] {
        switch self {
        case let .single(dependency): return [dependency]
        case let .operation(_, left, right): return left.atoms + right.atoms
        }
    }
}

/// Turns rpmrichParse's enter/simple/op/leave events into a tree.
private final class RichBuilder {
    private struct Frame {
        var left: RichDependency?
        var operation: String?
        var right: RichDependency?
    }
    private var stack: [Frame] = [Frame()]
    var result: RichDependency? { stack.first?.left }

    func enter() { stack.append(Frame()) }

    func operation(_ name: String) {
        // `a or b or c` arrives as one frame with several operators: fold left.
        if stack[stack.count - 1].right != nil { fold() }
        stack[stack.count - 1].operation = name
    }

    func simple(_ dependency: Dependency) { place(.single(dependency)) }

    func leave() {
        fold()
        guard stack.count > 1, let value = stack.removeLast().left else { return }
        place(value)
    }

    private func place(_ value: RichDependency) {
        if stack[stack.count - 1].operation == nil { stack[stack.count - 1].left = value } else { stack[stack.count - 1].right = value }
    }

    private func fold() {
        let frame = stack[stack.count - 1]
        if let left = frame.left, let operation = frame.operation, let right = frame.right {
            stack[stack.count - 1] = Frame(left: .operation(operation, left, right))
        }
    }
}
