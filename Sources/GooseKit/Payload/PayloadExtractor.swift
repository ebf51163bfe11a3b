import Foundation

/// A file taken out of a package payload into a staging directory.
public struct ExtractedFile: Sendable {
    public enum Kind: Sendable { case regular, symlink }
    /// Relative path inside the payload, normalised (no `./`).
    public var path: String
    /// Where the content now is.
    public var stagedPath: String
    public var kind: Kind
    public var size: Int64
    public var permissions: UInt32
    public var modificationTime: Int
    /// SHA-512 of the content (regular files).
    public var sha512: String
    /// True when the content is binary by `file --mime-encoding`'s rule.
    public var isBinary: Bool
    public var linkTarget: String?

    public var isExecutable: Bool { permissions & 0o111 != 0 }
}

/// Streams an RPM's payload through libarchive into a directory, refusing entries that would escape it.
public enum PayloadExtractor {
    /// Extracts every entry of `package`'s payload under `directory` (created if needed; should be empty).
    public static func extract(_ package: RPMPackage, into directory: String) throws -> [ExtractedFile] {
        let source = package.path
        try FileSystem.createDirectory(directory)
        if package.hasStrippedPayload {
            return try extract(from: RPMArchiveReader(path: source), into: directory)
        }
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw GooseError.errno(source, "cannot open") }
        defer { close(fd) }
        guard lseek(fd, off_t(package.payloadOffset), SEEK_SET) == off_t(package.payloadOffset) else {
            throw GooseError.invalidPackage(file: source, reason: "cannot seek to payload")
        }
        return try extract(from: ArchiveReader(descriptor: fd, sourceName: source), into: directory)
    }

    private static func extract(from reader: PayloadEntrySource, into directory: String) throws -> [ExtractedFile] {
        let source = reader.sourceName
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { buffer.deallocate() }
        var extracted: [ExtractedFile] = []
        var seen = Set<String>()
        while let entry = try reader.nextEntry() {
            let components: [String]
            switch PayloadPath.components(of: entry.path) {
            case let .success(parts): components = parts
            case let .failure(reason):
                throw GooseError.unsafePayloadEntry(file: source, entry: entry.path, reason: reason.description)
            }
            let relative = components.joined(separator: "/")
            let target = directory + "/" + relative
            guard !seen.contains(relative) || entry.kind == .directory else {
                throw GooseError.unsafePayloadEntry(file: source, entry: entry.path, reason: "duplicate entry")
            }
            seen.insert(relative)
            if components.count > 1 {
                try FileSystem.createDirectory(directory + "/" + components.dropLast().joined(separator: "/"))
            }
            switch entry.kind {
            case .directory:
                try FileSystem.createDirectory(target)
            case .regular:
                extracted.append(try writeRegular(entry, relative: relative, target: target, reader: reader, buffer: buffer))
            case .symlink:
                let linkTarget = entry.linkTarget ?? ""
                guard PayloadPath.symlinkStaysInside(entryComponents: components, target: linkTarget) else {
                    throw GooseError.unsafePayloadEntry(file: source, entry: entry.path, reason: PayloadPathError.symlinkEscapes(linkTarget).description)
                }
                guard symlink(linkTarget, target) == 0 else { throw GooseError.errno(target, "cannot create symlink") }
                extracted.append(ExtractedFile(
                    path: relative, stagedPath: target, kind: .symlink, size: Int64(linkTarget.utf8.count),
                    permissions: 0o777, modificationTime: entry.modificationTime,
                    sha512: ContentDigest.hexDigest(of: Data(linkTarget.utf8), algorithm: .sha512),
                    isBinary: false, linkTarget: linkTarget))
            case .hardlink:
                let linkSource = entry.linkTarget ?? ""
                guard case let .success(sourceComponents) = PayloadPath.components(of: linkSource),
                      let original = extracted.first(where: { $0.path == sourceComponents.joined(separator: "/") && $0.kind == .regular })
                else {
                    throw GooseError.unsafePayloadEntry(file: source, entry: entry.path, reason: PayloadPathError.hardlinkEscapes(linkSource).description)
                }
                guard link(original.stagedPath, target) == 0 else { throw GooseError.errno(target, "cannot create hardlink") }
                var copy = original
                copy.path = relative
                copy.stagedPath = target
                extracted.append(copy)
            case .other:
                throw GooseError.unsafePayloadEntry(file: source, entry: entry.path, reason: "device, fifo or socket entries are not allowed")
            }
        }
        return extracted
    }

    private static func writeRegular(_ entry: ArchiveEntry, relative: String, target: String, reader: PayloadEntrySource,
                                     buffer: UnsafeMutableRawBufferPointer) throws -> ExtractedFile {
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard output >= 0 else {
            throw GooseError.unsafePayloadEntry(file: reader.sourceName, entry: entry.path, reason: "cannot create \(relative): \(String(cString: strerror(errno)))")
        }
        defer { close(output) }
        let digest = ContentDigest(.sha512)
        var detector = TextDetector()
        var size: Int64 = 0
        try reader.readData(into: buffer) { chunk in
            digest.update(chunk)
            detector.update(chunk)
            size += Int64(chunk.count)
            try FileSystem.writeAll(chunk, to: output, path: target)
        }
        var times = [timespec(tv_sec: entry.modificationTime, tv_nsec: 0), timespec(tv_sec: entry.modificationTime, tv_nsec: 0)]
        futimens(output, &times)
        return ExtractedFile(
            path: relative, stagedPath: target, kind: .regular, size: size, permissions: entry.permissions,
            modificationTime: entry.modificationTime, sha512: digest.finalizeHex(), isBinary: detector.isBinary, linkTarget: nil)
    }
}
