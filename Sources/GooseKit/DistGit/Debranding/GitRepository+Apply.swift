import CGit2
import Foundation

/// Applying git-style diffs to in-memory trees (for the `apply_patch` debranding directive).
extension GitRepository {
    /// The repository paths a git-style diff touches (old and new names), in diff order.
    public func pathsChanged(byDiff diff: Data, name: String) throws -> [String] {
        let parsed = try parseDiff(diff, name: name)
        defer { git_diff_free(parsed) }
        var paths: [String] = []
        for index in 0..<git_diff_num_deltas(parsed) {
            guard let delta = git_diff_get_delta(parsed, index)?.pointee else { continue }
            for path in [delta.old_file.path, delta.new_file.path].compactMap({ $0 }).map({ String(cString: $0) })
            where !paths.contains(path) {
                paths.append(path)
            }
        }
        return paths
    }

    /// Applies a git-style diff to a flat `path → file` map and returns the resulting map.
    /// The objects of both maps live in this repository; nothing else in it changes.
    public func applyDiff(_ diff: Data, to files: [String: GitTreeFile], name: String) throws -> [String: GitTreeFile] {
        let parsed = try parseDiff(diff, name: name)
        defer { git_diff_free(parsed) }
        let preimageID = try writeTree(files)
        var preimage: OpaquePointer?
        var rawPreimageID = preimageID.raw
        try check(git_tree_lookup(&preimage, pointer, &rawPreimageID), "read tree \(preimageID)")
        defer { git_tree_free(preimage) }
        var index: OpaquePointer?
        guard git_apply_to_tree(&index, pointer, preimage, parsed, nil) == 0, let index else {
            throw Self.lastError("apply \(name)")
        }
        defer { git_index_free(index) }
        var result: [String: GitTreeFile] = [:]
        for position in 0..<git_index_entrycount(index) {
            guard let entry = git_index_get_byindex(index, position)?.pointee, let path = entry.path else { continue }
            let mode = GitEntryMode(rawValue: entry.mode) ?? .blob
            result[String(cString: path)] = GitTreeFile(id: GitObjectID(entry.id), mode: mode)
        }
        return result
    }

    private func parseDiff(_ diff: Data, name: String) throws -> OpaquePointer {
        var parsed: OpaquePointer?
        let status = diff.withUnsafeBytes { buffer in
            git_diff_from_buffer(&parsed, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), buffer.count)
        }
        guard status == 0, let parsed else { throw Self.lastError("parse \(name)") }
        return parsed
    }
}
