import Foundation

/// One debranding instruction read from a package's patch directory.
public enum PatchDirective: Sendable, Equatable {
    /// Replaces an existing tree file (`file`) with a file of the patch directory (`with`).
    case replaceFile(target: String, replacement: String)
    /// Removes an existing tree file.
    case deleteFile(target: String)
    /// Adds a file of the patch directory (`from`) under a new name or repository path (`file`).
    case addFile(target: String, source: String)
    /// Applies a git-style diff (a file of the patch directory) to the files kept in git.
    case applyPatch(diff: String)
    /// Searches and replaces text in the spec file.
    case specSearchAndReplace(SpecSubstitution)
    /// Adds an entry at the top of the spec's %changelog.
    case specChangelog(ChangelogEntry)
    /// Appends a suffix to the spec's Release: tag.
    case releaseBump(suffix: String)

    /// The directive kinds, listed in the fixed order they are applied in.
    public enum Kind: String, CaseIterable, Sendable {
        case replaceFile = "replace_file"
        case deleteFile = "delete_file"
        case addFile = "add_file"
        case applyPatch = "apply_patch"
        case specSearchAndReplace = "spec_search_and_replace"
        case specChangelog = "spec_changelog"
        case releaseBump = "release_bump"

        /// Position in the application order (0 first).
        public var stage: Int { Kind.allCases.firstIndex(of: self) ?? 0 }
    }

    /// The kind of this directive.
    public var kind: Kind {
        switch self {
        case .replaceFile: return .replaceFile
        case .deleteFile: return .deleteFile
        case .addFile: return .addFile
        case .applyPatch: return .applyPatch
        case .specSearchAndReplace: return .specSearchAndReplace
        case .specChangelog: return .specChangelog
        case .releaseBump: return .releaseBump
        }
    }

    /// A short label naming the directive by its TOML keyword and main argument: `delete_file "foo.png"`.
    public var summary: String {
        let argument: String
        switch self {
        case let .replaceFile(target, _): argument = target
        case let .deleteFile(target): argument = target
        case let .addFile(target, _): argument = target
        case let .applyPatch(diff): argument = diff
        case let .specSearchAndReplace(substitution): argument = substitution.find
        case let .specChangelog(entry): argument = entry.author
        case let .releaseBump(suffix): argument = suffix
        }
        return "\(kind.rawValue) \"\(argument)\""
    }
}

/// A search-and-replace in the spec text.
public struct SpecSubstitution: Sendable, Equatable {
    public var find: String
    public var replacement: String
    /// At most this many matches are replaced, first to last; nil replaces all.
    public var limit: Int?
    /// `find` is an NSRegularExpression pattern (lines anchored: `^`/`$` match at line ends) and
    /// `replacement` a template (`$1`).
    public var isRegularExpression: Bool
    /// Restricts the search to the values of this preamble tag (`Release`, `Vendor`), case-insensitive.
    public var field: String?

    public init(find: String, replacement: String, limit: Int? = nil, isRegularExpression: Bool = false, field: String? = nil) {
        self.find = find
        self.replacement = replacement
        self.limit = limit
        self.isRegularExpression = isRegularExpression
        self.field = field
    }
}

/// A %changelog entry to add; the date and EVR come from the patch context.
public struct ChangelogEntry: Sendable, Equatable {
    public var author: String
    public var email: String
    /// One `- ` bullet per line.
    public var lines: [String]

    public init(author: String, email: String, lines: [String]) {
        self.author = author
        self.email = email
        self.lines = lines
    }
}

/// A directive together with the TOML file it was read from.
public struct PatchSetEntry: Sendable, Equatable {
    public var directive: PatchDirective
    /// File name of the TOML file inside the patch directory.
    public var sourceFile: String

    public init(directive: PatchDirective, sourceFile: String) {
        self.directive = directive
        self.sourceFile = sourceFile
    }

    /// How failures and reports name this directive: `delete_file "foo.png" (10-branding.toml)`.
    public var label: String { "\(directive.summary) (\(sourceFile))" }
}
