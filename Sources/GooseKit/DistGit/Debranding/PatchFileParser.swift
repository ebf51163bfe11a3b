import Foundation
import TOMLKit

/// Reads the directives of one patch TOML file and checks them before anything is applied.
public enum PatchFileParser {
    /// The keys each directive accepts; the first list is required, the second optional.
    static let keys: [PatchDirective.Kind: (required: [String], optional: [String])] = [
        .replaceFile: (["file", "with"], []),
        .deleteFile: (["file"], []),
        .addFile: (["file", "from"], []),
        .applyPatch: (["file"], []),
        .specSearchAndReplace: (["find", "replace"], ["count", "regex", "field"]),
        .specChangelog: (["author", "email", "message"], []),
        .releaseBump: (["suffix"], []),
    ]

    /// Parses a TOML text; `file` names it in errors. Directives come back in file order.
    public static func parse(_ text: String, file: String) throws -> [PatchDirective] {
        let document = try TOMLFile.parse(text, file: file)
        // TOMLKit iterates keys in sorted order; collect per kind so the file's own order
        // inside each array is what survives.
        var byKind: [PatchDirective.Kind: [PatchDirective]] = [:]
        for (key, value) in document {
            guard let kind = PatchDirective.Kind(rawValue: key) else {
                let known = PatchDirective.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw GooseError.configuration(file: file, reason: "unknown directive '\(key)' (known: \(known))")
            }
            var tables: [(table: TOMLTable, name: String)] = []
            if kind == .releaseBump {
                guard let table = value.table else {
                    throw GooseError.configuration(file: file, reason: "release_bump must be a single table ([release_bump])")
                }
                tables.append((table, "[release_bump]"))
            } else {
                guard let array = value.array else {
                    throw GooseError.configuration(file: file, reason: "\(key) must be an array of tables ([[\(key)]])")
                }
                for (index, element) in array.enumerated() {
                    let name = "[[\(key)]] #\(index + 1)"
                    guard let table = element.table else {
                        throw GooseError.configuration(file: file, reason: "\(name) must be a table")
                    }
                    tables.append((table, name))
                }
            }
            for (table, name) in tables {
                let reader = DirectiveReader(table: table, name: name, file: file)
                try reader.checkKeys(keys[kind] ?? ([], []))
                byKind[kind, default: []].append(try directive(kind, from: reader))
            }
        }
        return PatchDirective.Kind.allCases.flatMap { byKind[$0] ?? [] }
    }

    private static func directive(_ kind: PatchDirective.Kind, from reader: DirectiveReader) throws -> PatchDirective {
        switch kind {
        case .replaceFile:
            return .replaceFile(target: try reader.repositoryPath("file"), replacement: try reader.patchDirectoryPath("with"))
        case .deleteFile:
            return .deleteFile(target: try reader.repositoryPath("file"))
        case .addFile:
            return .addFile(target: try reader.repositoryPath("file"), source: try reader.patchDirectoryPath("from"))
        case .applyPatch:
            return .applyPatch(diff: try reader.patchDirectoryPath("file"))
        case .specSearchAndReplace:
            let find = try reader.string("find")
            guard !find.isEmpty else { throw reader.failure("'find' must not be empty") }
            let isRegularExpression = try reader.optionalBool("regex") ?? false
            if isRegularExpression {
                do { _ = try NSRegularExpression(pattern: find, options: [.anchorsMatchLines]) } catch {
                    throw reader.failure("'find' is not a valid regular expression: \(find)")
                }
            }
            let limit = try reader.optionalInt("count")
            if let limit, limit < 1 { throw reader.failure("'count' must be at least 1") }
            let field = try reader.optionalString("field")
            if let field, !SpecText.isTagName(field) { throw reader.failure("'field' must be a spec tag name like Release, not '\(field)'") }
            return .specSearchAndReplace(SpecSubstitution(find: find, replacement: try reader.string("replace"), limit: limit,
                                                          isRegularExpression: isRegularExpression, field: field))
        case .specChangelog:
            let author = try reader.string("author")
            let email = try reader.string("email")
            guard !author.trimmingCharacters(in: .whitespaces).isEmpty else { throw reader.failure("'author' must not be empty") }
            guard !email.isEmpty, !email.contains(where: { $0 == "<" || $0 == ">" || $0.isWhitespace }) else {
                throw reader.failure("'email' must be a bare address like a@b.example, not '\(email)'")
            }
            let lines = try reader.stringOrStrings("message")
            guard !lines.isEmpty, lines.allSatisfy({ !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
                throw reader.failure("'message' must be a non-empty string or list of non-empty strings")
            }
            return .specChangelog(ChangelogEntry(author: author, email: email, lines: lines))
        case .releaseBump:
            let suffix = try reader.string("suffix")
            // Only characters rpm allows in a release, and no macros, so the new release is known exactly.
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._+~^"))
            guard !suffix.isEmpty, suffix.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }) else {
                throw reader.failure("'suffix' must be letters, digits and . _ + ~ ^ only, not '\(suffix)'")
            }
            return .releaseBump(suffix: suffix)
        }
    }
}

/// Typed access to one directive table, with errors that name the file, the directive and the key.
private struct DirectiveReader {
    let table: TOMLTable
    let name: String
    let file: String

    func failure(_ reason: String) -> GooseError {
        .configuration(file: file, reason: "\(name): \(reason)")
    }

    func checkKeys(_ keys: (required: [String], optional: [String])) throws {
        let allowed = Set(keys.required + keys.optional)
        for (key, _) in table where !allowed.contains(key) {
            throw failure("unknown key '\(key)' (allowed: \((keys.required + keys.optional).joined(separator: ", ")))")
        }
        for key in keys.required where table[key] == nil {
            throw failure("missing key '\(key)'")
        }
    }

    func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else { throw failure("missing key '\(key)'") }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = table[key] else { return nil }
        guard let string = value.string else { throw failure("'\(key)' must be a string") }
        return string
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int else { throw failure("'\(key)' must be an integer") }
        return number
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let value = table[key] else { return nil }
        guard let flag = value.bool else { throw failure("'\(key)' must be true or false") }
        return flag
    }

    func stringOrStrings(_ key: String) throws -> [String] {
        guard let value = table[key] else { throw failure("missing key '\(key)'") }
        if let string = value.string { return [string] }
        if let array = value.array {
            let strings = array.compactMap { $0.string }
            if strings.count == array.count { return strings }
        }
        throw failure("'\(key)' must be a string or a list of strings")
    }

    /// A path inside the dist-git tree: relative, without `.`/`..` or `.git` components.
    func repositoryPath(_ key: String) throws -> String {
        let path = try string(key)
        if let problem = PatchPaths.problem(withRepositoryPath: path) { throw failure("'\(key)' \(problem)") }
        return path
    }

    /// A path inside the patch directory: relative and without `..`.
    func patchDirectoryPath(_ key: String) throws -> String {
        let path = try string(key)
        if let problem = PatchPaths.problem(withPatchDirectoryPath: path) { throw failure("'\(key)' \(problem)") }
        return path
    }
}

/// Checks on the two kinds of paths a directive names.
enum PatchPaths {
    /// Why `path` cannot name a file of the dist-git tree, or nil when it can.
    static func problem(withRepositoryPath path: String) -> String? {
        if path.isEmpty { return "must not be empty" }
        if path.hasPrefix("/") { return "'\(path)' must be a path inside the repository, not an absolute path" }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty || component == "." || component == ".." {
                return "'\(path)' must be a plain repository path (no empty, '.' or '..' components)"
            }
            if component == ".git" { return "'\(path)' must not name a .git directory" }
        }
        return nil
    }

    /// Why `path` cannot name a file of the patch directory, or nil when it can.
    static func problem(withPatchDirectoryPath path: String) -> String? {
        if path.isEmpty { return "must not be empty" }
        if path.hasPrefix("/") { return "'\(path)' is absolute; it must be relative to the patch directory" }
        if path.split(separator: "/").contains("..") { return "'\(path)' leaves the patch directory ('..')" }
        return nil
    }
}
