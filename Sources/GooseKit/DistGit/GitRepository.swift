import CGit2
import Foundation

/// A git object id.
public struct GitObjectID: Hashable, Sendable, CustomStringConvertible {
    var raw: git_oid

    init(_ raw: git_oid) { self.raw = raw }

    public var description: String {
        var copy = raw
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, &copy)
        return String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func == (lhs: GitObjectID, rhs: GitObjectID) -> Bool {
        var a = lhs.raw, b = rhs.raw
        return git_oid_cmp(&a, &b) == 0
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

/// How a tree entry is stored (git file modes).
public enum GitEntryMode: UInt32, Sendable {
    case blob = 0o100644
    case executable = 0o100755
    case symlink = 0o120000
    case tree = 0o040000
}

/// A file in a flattened git tree.
public struct GitTreeFile: Sendable, Equatable {
    public var id: GitObjectID
    public var mode: GitEntryMode
}

/// Who made a commit or tag.
public struct GitIdentity: Sendable {
    public var name: String
    public var email: String
    public var time: Date

    public init(name: String, email: String, time: Date = Date()) {
        self.name = name
        self.email = email
        self.time = time
    }

    /// `GIT_AUTHOR_NAME`/`GIT_AUTHOR_EMAIL` when set, else "goose".
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment, time: Date = Date()) -> GitIdentity {
        GitIdentity(name: environment["GIT_AUTHOR_NAME"] ?? "goose", email: environment["GIT_AUTHOR_EMAIL"] ?? "goose@localhost", time: time)
    }
}

/// A git repository opened through libgit2; owns the handle.
public final class GitRepository {
    let pointer: OpaquePointer
    public let path: String

    private static let initialization: Void = { git_libgit2_init() }()

    private init(pointer: OpaquePointer, path: String) {
        self.pointer = pointer
        self.path = path
    }

    deinit { git_repository_free(pointer) }

    static func lastError(_ context: String) -> GooseError {
        let message = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "unknown error"
        return .git(context: context, reason: message)
    }

    func check(_ status: Int32, _ what: String) throws {
        if status < 0 { throw Self.lastError("\(path): \(what)") }
    }

    /// Opens an existing bare or non-bare repository.
    public static func open(_ path: String) throws -> GitRepository {
        _ = initialization
        var repository: OpaquePointer?
        guard git_repository_open(&repository, path) == 0, let repository else { throw lastError(path) }
        return GitRepository(pointer: repository, path: path)
    }

    /// Creates a bare repository.
    public static func createBare(_ path: String) throws -> GitRepository {
        _ = initialization
        var repository: OpaquePointer?
        guard git_repository_init(&repository, path, 1) == 0, let repository else { throw lastError(path) }
        return GitRepository(pointer: repository, path: path)
    }

    /// The commit a reference (`refs/heads/c9`, `refs/tags/x`) resolves to, peeling tags; nil when absent.
    public func resolve(_ reference: String) throws -> GitObjectID? {
        var object: OpaquePointer?
        let status = git_revparse_single(&object, pointer, reference + "^{commit}")
        if status == GIT_ENOTFOUND.rawValue { return nil }
        guard status == 0, let object else { throw Self.lastError("\(path): \(reference)") }
        defer { git_object_free(object) }
        return GitObjectID(git_object_id(object).pointee)
    }

    public func referenceExists(_ name: String) -> Bool {
        var id = git_oid()
        return git_reference_name_to_id(&id, pointer, name) == 0
    }

    /// Writes a blob.
    public func writeBlob(_ data: Data) throws -> GitObjectID {
        var id = git_oid()
        let status = data.withUnsafeBytes { git_blob_create_from_buffer(&id, pointer, $0.baseAddress, $0.count) }
        try check(status, "write blob")
        return GitObjectID(id)
    }

    /// Reads a blob's content.
    public func blob(_ id: GitObjectID) throws -> Data {
        var blob: OpaquePointer?
        var raw = id.raw
        try check(git_blob_lookup(&blob, pointer, &raw), "read blob \(id)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: content, count: size)
    }

    /// Writes nested trees for a flat `path → file` map and returns the root tree.
    public func writeTree(_ files: [String: GitTreeFile]) throws -> GitObjectID {
        var direct: [String: GitTreeFile] = [:]
        var subdirectories: [String: [String: GitTreeFile]] = [:]
        for (path, file) in files {
            if let slash = path.firstIndex(of: "/") {
                subdirectories[String(path[..<slash]), default: [:]][String(path[path.index(after: slash)...])] = file
            } else {
                direct[path] = file
            }
        }
        for (name, children) in subdirectories {
            direct[name] = GitTreeFile(id: try writeTree(children), mode: .tree)
        }
        var builder: OpaquePointer?
        try check(git_treebuilder_new(&builder, pointer, nil), "tree builder")
        defer { git_treebuilder_free(builder) }
        for (name, file) in direct {
            var id = file.id.raw
            try check(git_treebuilder_insert(nil, builder, name, &id, git_filemode_t(file.mode.rawValue)), "insert \(name)")
        }
        var treeID = git_oid()
        try check(git_treebuilder_write(&treeID, builder), "write tree")
        return GitObjectID(treeID)
    }

    /// The flattened files of a commit's tree.
    public func files(ofCommit commitID: GitObjectID) throws -> [String: GitTreeFile] {
        let tree = try treeID(ofCommit: commitID)
        var result: [String: GitTreeFile] = [:]
        try collect(tree: tree, prefix: "", into: &result)
        return result
    }

    public func treeID(ofCommit commitID: GitObjectID) throws -> GitObjectID {
        var commit: OpaquePointer?
        var raw = commitID.raw
        try check(git_commit_lookup(&commit, pointer, &raw), "read commit \(commitID)")
        defer { git_commit_free(commit) }
        return GitObjectID(git_commit_tree_id(commit).pointee)
    }

    private func collect(tree treeID: GitObjectID, prefix: String, into result: inout [String: GitTreeFile]) throws {
        var tree: OpaquePointer?
        var raw = treeID.raw
        try check(git_tree_lookup(&tree, pointer, &raw), "read tree \(treeID)")
        defer { git_tree_free(tree) }
        for index in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, index) else { continue }
            let name = String(cString: git_tree_entry_name(entry))
            let id = GitObjectID(git_tree_entry_id(entry).pointee)
            let mode = GitEntryMode(rawValue: git_tree_entry_filemode(entry).rawValue) ?? .blob
            if mode == .tree {
                try collect(tree: id, prefix: prefix + name + "/", into: &result)
            } else {
                result[prefix + name] = GitTreeFile(id: id, mode: mode)
            }
        }
    }

    /// The full message of a commit.
    public func message(ofCommit commitID: GitObjectID) throws -> String {
        var commit: OpaquePointer?
        var raw = commitID.raw
        try check(git_commit_lookup(&commit, pointer, &raw), "read commit \(commitID)")
        defer { git_commit_free(commit) }
        return git_commit_message(commit).map { String(cString: $0) } ?? ""
    }

    private func signature(_ identity: GitIdentity) throws -> UnsafeMutablePointer<git_signature> {
        var signature: UnsafeMutablePointer<git_signature>?
        let seconds = git_time_t(identity.time.timeIntervalSince1970)
        guard git_signature_new(&signature, identity.name, identity.email, seconds, 0) == 0, let signature else {
            throw Self.lastError("\(path): signature for \(identity.name) <\(identity.email)>")
        }
        return signature
    }

    /// Creates a commit and moves `branch` to it; fails if the branch moved since `parent` was read.
    public func commit(tree treeID: GitObjectID, parent: GitObjectID?, branch: String, message: String,
                       author: GitIdentity, committer: GitIdentity) throws -> GitObjectID {
        var tree: OpaquePointer?
        var rawTree = treeID.raw
        try check(git_tree_lookup(&tree, pointer, &rawTree), "read tree")
        defer { git_tree_free(tree) }
        let authorSignature = try signature(author)
        defer { git_signature_free(authorSignature) }
        let committerSignature = try signature(committer)
        defer { git_signature_free(committerSignature) }
        var parentCommit: OpaquePointer?
        if let parent {
            var raw = parent.raw
            try check(git_commit_lookup(&parentCommit, pointer, &raw), "read parent")
        }
        defer { if let parentCommit { git_commit_free(parentCommit) } }
        var id = git_oid()
        var parents: [OpaquePointer?] = parentCommit.map { [$0] } ?? []
        let status = parents.withUnsafeMutableBufferPointer { buffer in
            git_commit_create(&id, pointer, "refs/heads/\(branch)", authorSignature, committerSignature, "UTF-8", message, tree,
                              buffer.count, buffer.count == 0 ? nil : buffer.baseAddress)
        }
        try check(status, "commit on \(branch)")
        return GitObjectID(id)
    }

    /// Creates an annotated tag; returns false if it already exists.
    @discardableResult
    public func createTag(_ name: String, target: GitObjectID, message: String, tagger: GitIdentity) throws -> Bool {
        var object: OpaquePointer?
        var raw = target.raw
        try check(git_object_lookup(&object, pointer, &raw, GIT_OBJECT_COMMIT), "tag target")
        defer { git_object_free(object) }
        let taggerSignature = try signature(tagger)
        defer { git_signature_free(taggerSignature) }
        var id = git_oid()
        let status = git_tag_create(&id, pointer, name, object, taggerSignature, message, 0)
        if status == GIT_EEXISTS.rawValue { return false }
        try check(status, "tag \(name)")
        return true
    }

    /// Whether `name` is a valid reference name (`refs/tags/<name>`).
    public static func isValidTagName(_ name: String) -> Bool {
        _ = initialization
        var valid: Int32 = 0
        return git_reference_name_is_valid(&valid, "refs/tags/" + name) == 0 && valid != 0
    }
}

extension GitRepository {
    /// Points HEAD at a branch (so that `git clone` checks it out).
    public func setHead(branch: String) throws {
        var reference: OpaquePointer?
        let status = git_reference_symbolic_create(&reference, pointer, "HEAD", "refs/heads/\(branch)", 1, "goose: default branch")
        if let reference { git_reference_free(reference) }
        try check(status, "set HEAD to \(branch)")
    }
}
