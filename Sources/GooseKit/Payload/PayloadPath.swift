/// Lexical checks that keep archive entries inside the extraction target.
public enum PayloadPath {
    /// The entry's path as safe relative components, or the reason it is unsafe.
    public static func components(of entryPath: String) -> Result<[String], PayloadPathError> {
        if entryPath.hasPrefix("/") { return .failure(.absolute) }
        var parts: [String] = []
        for part in entryPath.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { return .failure(.parentReference) }
            if part.contains("\0") { return .failure(.invalidCharacter) }
            parts.append(String(part))
        }
        return parts.isEmpty ? .failure(.empty) : .success(parts)
    }

    /// Whether a symlink at `entryComponents` pointing at `target` stays inside the target directory.
    public static func symlinkStaysInside(entryComponents: [String], target: String) -> Bool {
        if target.hasPrefix("/") || target.isEmpty { return false }
        var resolved = Array(entryComponents.dropLast())
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if resolved.isEmpty { return false }
                resolved.removeLast()
            default: resolved.append(String(part))
            }
        }
        return true
    }
}

/// Why a payload path is refused.
public enum PayloadPathError: Error, Equatable, CustomStringConvertible {
    case absolute, parentReference, empty, invalidCharacter, symlinkEscapes(String), hardlinkEscapes(String)

    public var description: String {
        switch self {
        case .absolute: return "absolute path"
        case .parentReference: return "path contains '..'"
        case .empty: return "empty path"
        case .invalidCharacter: return "path contains NUL"
        case let .symlinkEscapes(target): return "symlink to '\(target)' escapes the target directory"
        case let .hardlinkEscapes(target): return "hardlink to '\(target)' escapes the target directory"
        }
    }
}
