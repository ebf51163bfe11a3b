import CCreaterepo
import Foundation

/// Writes a gzip-compressed repodata XML file as concatenated gzip members: the document's opening, one member per
/// group of packages (a build), its closing. Gzip readers take concatenated members as one stream (RFC 1952 § 2.2;
/// zlib's gzread, which libsolv, librepo and createrepo_c read through, and Python's gzip do), so the uncompressed
/// XML is the one libcreaterepo_c would write, while an incremental mash recompresses only the groups that changed:
/// each group's member is kept in a cache directory under a key naming its packages' identities.
enum SegmentedXMLWriter {
    /// One group's packages: the cache key of its member and their XML chunks.
    struct Segment: Sendable {
        var key: String
        var chunks: [String]
    }

    /// What a write made: the uncompressed content statistics (for repomd's open-size and open-checksum) and the
    /// cache files it used, so that the caller can remove the others.
    struct Written: @unchecked Sendable {
        var contentStat: UnsafeMutablePointer<cr_ContentStat>
        var cacheFiles: [String]
    }

    /// Writes `path` (a .gz) from `segments` in order; members missing from `cache` are compressed and stored there.
    static func write(_ path: String, type: cr_XmlFileType, segments: [Segment], packages: Int, cache: String) throws -> Written {
        let (opening, closing) = try envelope(type: type, packages: packages, scratch: path + ".envelope")
        let digest = ContentDigest(.sha256)
        var size: Int64 = 0
        let output = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw GooseError.errno(path, "cannot create") }
        defer { close(output) }
        func emit(_ data: Data) throws {
            try data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(output, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { throw GooseError.errno(path, "cannot write") }
                    offset += written
                }
            }
        }
        func account(_ text: Data) {
            digest.update(text)
            size += Int64(text.count)
        }
        let openingData = Data(opening.utf8), closingData = Data(closing.utf8)
        account(openingData)
        try emit(try Gzip.member(openingData, name: path))
        var used: [String] = []
        for segment in segments {
            let text = Data(segment.chunks.joined().utf8)
            account(text)
            let file = "\(cache)/\(segment.key).gz"
            used.append(file)
            if let member = FileManager.default.contents(atPath: file), isMember(member, of: text.count) {
                try emit(member)
                continue
            }
            let member = try Gzip.member(text, name: path)
            // Only a cache: a lost write costs a recompression next time (the ISIZE check catches a damaged one).
            try? RepodataCache.replace(file, with: member)
            try emit(member)
        }
        account(closingData)
        try emit(try Gzip.member(closingData, name: path))
        var error: UnsafeMutablePointer<GError>?
        guard let stat = cr_contentstat_new(CR_CHECKSUM_SHA256, &error) else { throw RepodataGenerator.failure(path, error) }
        stat.pointee.size = gint64(size)
        stat.pointee.checksum = g_strdup(digest.finalizeHex())
        return Written(contentStat: stat, cacheFiles: used)
    }

    /// A gzip member whose trailer's ISIZE matches the uncompressed length (a damaged cache file is compressed again).
    static func isMember(_ data: Data, of length: Int) -> Bool {
        guard data.count >= 18, data[data.startIndex] == 0x1f, data[data.startIndex + 1] == 0x8b else { return false }
        let trailer = data.suffix(4)
        let stored = trailer.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        return stored == UInt32(truncatingIfNeeded: length)
    }

    /// The opening and closing of the XML document libcreaterepo_c writes for `packages` packages (an empty one, split
    /// before its closing tag).
    static func envelope(type: cr_XmlFileType, packages: Int, scratch: String) throws -> (String, String) {
        defer { FileSystem.remove(scratch) }
        var error: UnsafeMutablePointer<GError>?
        guard let file = cr_xmlfile_sopen(scratch, type, CR_CW_NO_COMPRESSION, nil, &error) else { throw RepodataGenerator.failure(scratch, error) }
        let counted = cr_xmlfile_set_num_of_pkgs(file, packages, &error)
        var closeError: UnsafeMutablePointer<GError>?
        let closed = cr_xmlfile_close(file, &closeError)
        guard counted == CRE_OK.rawValue, closed == CRE_OK.rawValue else {
            if error != nil, let closeError { g_error_free(closeError) }
            throw RepodataGenerator.failure(scratch, error ?? closeError)
        }
        if let closeError { g_error_free(closeError) }
        let document = try String(decoding: FileSystem.contents(of: scratch), as: UTF8.self)
        guard let split = document.range(of: "</", options: .backwards) else {
            throw GooseError.io(path: scratch, reason: "createrepo_c wrote no closing tag")
        }
        return (String(document[..<split.lowerBound]), String(document[split.lowerBound...]))
    }

    /// The cache key of a group's member for one XML kind: the packages' locations and identities, and the settings.
    static func key(kind: String, signature: String, packages: [(href: String, size: Int64, modificationTime: Int64)]) -> String {
        key(kind: kind, group: identity(signature: signature, packages: packages))
    }

    /// A digest of a group's packages (locations and identities) and the settings, from which its keys derive: the
    /// packages are hashed once per group, not once per kind of file kept for it.
    static func identity(signature: String, packages: [(href: String, size: Int64, modificationTime: Int64)]) -> String {
        var text = signature + "\n"
        for package in packages { text += "\(package.href)\u{0}\(package.size)\u{0}\(package.modificationTime)\n" }
        let digest = ContentDigest(.sha256)
        digest.update(Data(text.utf8))
        return digest.finalizeHex()
    }

    /// The key of one kind of cached file (`primary`, `solv`, `chunks`, ...) of a group with `identity`.
    static func key(kind: String, group identity: String) -> String {
        let digest = ContentDigest(.sha256)
        digest.update(Data("\(kind)\n\(identity)".utf8))
        return digest.finalizeHex()
    }
}
