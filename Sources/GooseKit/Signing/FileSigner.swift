import Foundation

/// Detached ASCII-armored (`repomd.xml.asc`) and clear (`CHECKSUM`) signatures through gpgme.
public enum FileSigner {
    /// Where the signature of `file` goes: `<file>.asc` when detached; the file itself when clear-signed.
    public static func destination(of file: String, clear: Bool) -> String {
        clear ? file : file + ".asc"
    }

    /// Signs each file with `key` (already checked), writing atomically, and checks each signature before it is kept.
    /// Returns the signature files written.
    public static func sign(_ files: [String], key: SigningKey, context: GPGContext, clear: Bool) throws -> [String] {
        var written: [String] = []
        for file in files {
            // As sign rpm: a clear signature replaces the file, so a link (it would become a plain file, its target
            // unsigned) or a read-only file is refused, not overwritten.
            var status = stat()
            guard lstat(file, &status) == 0 else { throw GooseError.io(path: file, reason: "no such file") }
            if let problem = SigningTarget.problem(with: status, replacing: clear) { throw GooseError.io(path: file, reason: problem) }
            let data = try FileSystem.contents(of: file)
            if clear, String(decoding: data.prefix(64), as: UTF8.self).hasPrefix("-----BEGIN PGP SIGNED MESSAGE-----") {
                throw GooseError.io(path: file, reason: "already clear-signed")
            }
            let signature = try context.sign(data, key: key.fingerprint, clear: clear)
            let check = try context.verify(signature: signature, data: clear ? nil : data)
            guard case .good = check else { throw GooseError.signing("\(file): gpg made a signature that does not verify (\(check))") }
            var info = stat()
            let mode: mode_t = stat(file, &info) == 0 ? info.st_mode & 0o777 : 0o644
            let target = destination(of: file, clear: clear)
            try AtomicFileWriter.write(signature, to: target, mode: clear ? mode : 0o644)
            written.append(target)
        }
        return written
    }

    /// Writes the armored public key as `<directory>/RPM-GPG-KEY-<name>`; returns the path.
    public static func exportKey(fingerprint: String, context: GPGContext, name: String?, directory: String) throws -> String {
        if let name, name.isEmpty || name.hasPrefix(".") || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._+-".contains($0)) }) {
            throw GooseError.usage("--name '\(name)': a file-name part of letters, digits, '.', '_', '+' and '-' (RPM-GPG-KEY-<name>), not starting with '.'")
        }
        let key = try context.publicKey(fingerprint: fingerprint)
        let path = directory + "/RPM-GPG-KEY-" + (name ?? keyFileName(key.name))
        try AtomicFileWriter.write(try context.exportPublicKey(fingerprint: key.fingerprint), to: path)
        return path
    }

    /// A user ID's name as a file-name part: lower case, runs of other characters as one dash.
    public static func keyFileName(_ name: String) -> String {
        var result = ""
        for character in name.lowercased() {
            if character.isLetter || character.isNumber || character == "." || character == "_" {
                result.append(character)
            } else if !result.hasSuffix("-") {
                result.append("-")
            }
        }
        let trimmed = result.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "key" : trimmed
    }
}

/// `goose sign tag`: the RPMs of every build in a tag, and the key recorded in each build.json.
public enum TagSigning {
    /// The NVRs listed in `tags/<tag>`.
    public static func builds(inTag tag: String, workspace: Workspace) throws -> [String] {
        let path = workspace.root + "/tags/" + tag
        guard FileSystem.isRegularFile(path) else { throw GooseError.workspace("no tag '\(tag)' (\(path) does not exist)") }
        return String(decoding: try FileSystem.contents(of: path), as: UTF8.self)
            .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Every artifact path of the tag's builds, with the build each belongs to.
    public static func artifacts(inTag tag: String, workspace: Workspace) throws -> [(record: BuildRecord, path: String)] {
        let inventory = BuildInventory(workspace: workspace)
        var found: [(BuildRecord, String)] = []
        for nvr in try builds(inTag: tag, workspace: workspace) {
            guard let record = try inventory.record(nvr: nvr) else {
                throw GooseError.workspace("tag '\(tag)' lists \(nvr), which has no build.json under \(inventory.root)")
            }
            for artifact in record.artifacts {
                found.append((record, inventory.directory(of: record) + "/" + artifact.path))
            }
        }
        return found
    }

    /// Records the key (and the new sha256) of each signed or already-signed artifact in its build.json.
    public static func record(_ results: [RPMSignResult], artifacts: [(record: BuildRecord, path: String)], key: SigningKey, workspace: Workspace) throws {
        let inventory = BuildInventory(workspace: workspace)
        let good = Set(results.filter { $0.outcome != .failed }.map { FileSystem.absolute($0.file) })
        var seen = Set<String>()
        for (record, _) in artifacts where seen.insert(record.nvr).inserted {
            try inventory.update(name: record.name, version: record.version, release: record.release) { updated in
                for index in updated.artifacts.indices {
                    let path = FileSystem.absolute(inventory.directory(of: updated) + "/" + updated.artifacts[index].path)
                    guard good.contains(path) else { continue }
                    updated.artifacts[index].sha256 = try sha256(of: path)
                    updated.artifacts[index].signedBy = key.fingerprint
                }
            }
        }
    }

    static func sha256(of path: String) throws -> String {
        let digest = ContentDigest(.sha256)
        guard let handle = FileHandle(forReadingAtPath: path) else { throw GooseError.io(path: path, reason: "cannot read") }
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { digest.update(chunk) }
        return digest.finalizeHex()
    }
}

/// What goose signs, in place (an RPM, a clear-signed file) or beside it (a detached signature).
enum SigningTarget {
    /// Why the file `status` (an lstat) describes cannot be signed, nil when it can: it must be a regular file itself,
    /// not a link (replaced, it would become a plain file and its target stay unsigned) or a directory; and when the
    /// signature replaces it, one with its owner's write bit (root may write anyway, but a file without it is one
    /// someone meant to keep as it is).
    static func problem(with status: stat, replacing: Bool) -> String? {
        switch status.st_mode & S_IFMT {
        case S_IFREG: return replacing && status.st_mode & S_IWUSR == 0 ? "read-only file (chmod u+w to sign it)" : nil
        case S_IFLNK: return "a symbolic link, not a regular file (name the file it points to)"
        case S_IFDIR: return "a directory, not a file"
        default: return "not a regular file"
        }
    }
}
