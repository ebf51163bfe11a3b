/// Decides what of an SRPM's payload goes to git and what to the lookaside (fedpkg's rule, plus a size cap).
public struct ImportClassifier: Sendable {
    /// Text files above this size go to the lookaside unless they are the spec or a patch.
    public var maxGitTextSize: Int64

    public init(maxGitTextSize: Int64) { self.maxGitTextSize = maxGitTextSize }

    public enum Destination: Equatable, Sendable { case git, lookaside }

    /// Binary content always goes to the lookaside; the spec, patches, empty files and small text go to git.
    public func destination(size: Int64, isBinary: Bool, isSpec: Bool, isPatch: Bool) -> Destination {
        if size == 0 { return .git }
        if isBinary { return .lookaside }
        if isSpec || isPatch { return .git }
        return size <= maxGitTextSize ? .git : .lookaside
    }

    /// Files of a previous import that survive a re-import although the SRPM lacks them (fedpkg's list).
    public static func isKeptOnReimport(_ path: String) -> Bool {
        let kept: Set<String> = ["README.md", "gating.yaml", "changelog", ".gitignore"]
        if kept.contains(path) { return true }
        if path.hasPrefix("tests/") || path.hasPrefix(".fmf/") { return true }
        return !path.contains("/") && path.hasSuffix(".rpmlintrc")
    }
}
