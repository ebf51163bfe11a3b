import Foundation

/// The product a compose belongs to (productmd's release).
public struct ComposeRelease: Codable, Equatable, Sendable {
    public var name: String
    public var short: String
    public var version: String
    public init(name: String, short: String, version: String) {
        self.name = name
        self.short = short
        self.version = version
    }
}

/// productmd's compose record: `<SHORT>-<version>-<YYYYMMDD>.<respin>` unless an id is given.
public struct ComposeIdentity: Codable, Equatable, Sendable {
    public var id: String
    public var date: String
    public var respin: Int
    public var type = "production"

    /// The compose date (UTC) of a timestamp, as productmd writes it.
    public static func date(of timestamp: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(timestamp)))
    }

    /// The default identity: the first respin whose id is not in `existing`.
    public static func next(release: ComposeRelease, timestamp: Int, existing: Set<String>) -> ComposeIdentity {
        let date = date(of: timestamp)
        var respin = 0
        while existing.contains("\(release.short)-\(release.version)-\(date).\(respin)") { respin += 1 }
        return ComposeIdentity(id: "\(release.short)-\(release.version)-\(date).\(respin)", date: date, respin: respin)
    }
}

/// An image of a compose tree, as images.json and .treeinfo describe it.
public struct ComposeImage: Equatable, Sendable {
    /// Path relative to `compose/` (`BaseOS/x86_64/iso/X.iso`).
    public var path: String
    public var size: Int
    public var mtime: Int
    public var sha256: String
    public var implantedMD5: String
    public var volumeId: String
    public var bootable: Bool
    public var variant: String
    public var arch: String
}

/// Pure renderers of the compose metadata files (productmd 1.2 formats, pungi's CHECKSUM, anaconda's .discinfo).
public enum ComposeMetadata {
    /// `.treeinfo` of one variant/arch tree: sections and keys sorted, productmd 1.2 plus the legacy [general] section.
    /// `checksums` maps tree-relative paths to sha256; `images` maps productmd image types to tree paths.
    public static func treeinfo(release: ComposeRelease, variant: String, arch: String, timestamp: Int,
                                checksums: [String: String], images: [String: String], stage2: String?) -> String {
        var sections: [String: [(String, String)]] = [:]
        sections["header"] = [("type", "productmd.treeinfo"), ("version", "1.2")]
        sections["release"] = [("name", release.name), ("short", release.short), ("version", release.version)]
        sections["tree"] = [("arch", arch), ("build_timestamp", String(timestamp)), ("platforms", arch), ("variants", variant)]
        sections["variant-" + variant] = [("id", variant), ("name", variant), ("packages", "Packages"), ("repository", "."),
                                          ("type", "variant"), ("uid", variant)]
        sections["general"] = [("arch", arch), ("family", release.name), ("name", "\(release.name) \(release.version)"),
                               ("packagedir", "Packages"), ("platforms", arch), ("repository", "."), ("timestamp", String(timestamp)),
                               ("variant", variant), ("variants", variant), ("version", release.version)]
        if !checksums.isEmpty { sections["checksums"] = checksums.map { ($0.key, "sha256:" + $0.value) } }
        if !images.isEmpty { sections["images-" + arch] = images.map { ($0.key, $0.value) } }
        if let stage2 { sections["stage2"] = [("mainimage", stage2)] }
        var text = ""
        for name in sections.keys.sorted() {
            text += "[\(name)]\n"
            if name == "general" {
                // productmd's own writer marks the legacy section the same way.
                text += "; WARNING.0 = This section provides compatibility with pre-productmd treeinfos.\n"
                text += "; WARNING.1 = Read productmd documentation for details about new format.\n"
            }
            for (key, value) in sections[name]!.sorted(by: { $0.0 < $1.0 }) { text += "\(key) = \(value)\n" }
            text += "\n"
        }
        return text
    }

    /// `.discinfo`: timestamp, description, arch, disc numbers (anaconda's format as pungi writes it).
    public static func discinfo(release: ComposeRelease, arch: String, timestamp: Int) -> String {
        "\(timestamp).000000\n\(release.name) \(release.version)\n\(arch)\nALL\n"
    }

    /// `media.repo`: the install-media repository definition dnf reads from a mounted DVD.
    public static func mediaRepo(release: ComposeRelease, timestamp: Int) -> String {
        "[InstallMedia]\nname=\(release.name) \(release.version)\nmediaid=\(timestamp).000000\nmetadata_expire=-1\ngpgcheck=0\ncost=500\n"
    }

    /// pungi's CHECKSUM form for `files` (name → (size, sha256)), sorted by name.
    public static func checksumFile(_ files: [String: (size: Int, sha256: String)]) -> String {
        files.keys.sorted().map { name in
            "# \(name): \(files[name]!.size) bytes\nSHA256 (\(name)) = \(files[name]!.sha256)\n"
        }.joined()
    }

    private static func header(_ type: String) -> [String: Any] { ["type": type, "version": "1.2"] }

    private static func compose(_ identity: ComposeIdentity) -> [String: Any] {
        ["date": identity.date, "id": identity.id, "respin": identity.respin, "type": identity.type]
    }

    /// `composeinfo.json` (productmd.composeinfo 1.2); `variants` maps variant ids to their arches.
    public static func composeinfo(release: ComposeRelease, identity: ComposeIdentity, variants: [String: [String]]) throws -> String {
        var variantRecords: [String: Any] = [:]
        for (variant, arches) in variants {
            func paths(_ suffix: String) -> [String: String] {
                Dictionary(uniqueKeysWithValues: arches.map { ($0, "\(variant)/\($0)/\(suffix)") })
            }
            variantRecords[variant] = [
                "arches": arches.sorted(), "id": variant, "name": variant, "type": "variant", "uid": variant,
                "paths": ["isos": paths("iso"), "os_tree": paths("os"), "packages": paths("os/Packages"), "repository": paths("os")],
            ] as [String: Any]
        }
        let payload: [String: Any] = [
            "compose": compose(identity),
            "release": ["internal": false, "name": release.name, "short": release.short, "type": "ga", "version": release.version] as [String: Any],
            "variants": variantRecords,
        ]
        return try json(["header": header("productmd.composeinfo"), "payload": payload])
    }

    /// `rpms.json` (productmd.rpms 1.2): variant → arch → source NEVRA → binary NEVRA → record.
    public static func rpms(identity: ComposeIdentity, packages: [String: [String: [GatheredPackage]]]) throws -> String {
        var tree: [String: Any] = [:]
        for (variant, byArch) in packages {
            var arches: [String: Any] = [:]
            for (arch, list) in byArch {
                var sources: [String: [String: Any]] = [:]
                for package in list {
                    sources[package.sourceNevra, default: [:]][package.nevra] = [
                        "category": MashPlan.isDebug(package.name) ? "debug" : "binary",
                        "path": "\(variant)/\(arch)/os/\(ComposeLayout.packagePath(package.fileName))",
                        "sigkey": package.sigkey.map { $0 as Any } ?? NSNull(),
                    ] as [String: Any]
                }
                arches[arch] = sources
            }
            tree[variant] = arches
        }
        return try json(["header": header("productmd.rpms"), "payload": ["compose": compose(identity), "rpms": tree] as [String: Any]])
    }

    /// `images.json` (productmd.images 1.2).
    public static func images(identity: ComposeIdentity, images: [ComposeImage]) throws -> String {
        var tree: [String: [String: [[String: Any]]]] = [:]
        for image in images.sorted(by: { $0.path < $1.path }) {
            tree[image.variant, default: [:]][image.arch, default: []].append([
                "arch": image.arch, "bootable": image.bootable, "checksums": ["sha256": image.sha256], "disc_count": 1,
                "disc_number": 1, "format": "iso", "implant_md5": image.implantedMD5, "mtime": image.mtime, "path": image.path,
                "size": image.size, "subvariant": image.variant, "type": "dvd", "volume_id": image.volumeId,
            ])
        }
        return try json(["header": header("productmd.images"), "payload": ["compose": compose(identity), "images": tree] as [String: Any]])
    }

    /// Sorted keys and a trailing newline: byte-identical output for identical input.
    static func json(_ value: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Where things go in a compose (pure path functions).
public enum ComposeLayout {
    /// `Packages/<first letter, lower-case>/<file>` as pungi lays out trees.
    public static func packagePath(_ fileName: String) -> String {
        "Packages/\(fileName.prefix(1).lowercased())/\(fileName)"
    }

    /// The default volume id `<SHORT>-<version>-<arch>-dvd`, cut to ISO 9660's 32 characters.
    public static func volumeId(release: ComposeRelease, arch: String) -> String {
        String("\(release.short)-\(release.version)-\(arch)-dvd".prefix(32))
    }

    /// The ISO's file name, as pungi names DVDs: `<SHORT>-<version>-<variant>-<arch>-dvd1.iso`.
    public static func isoName(release: ComposeRelease, variant: String, arch: String) -> String {
        "\(release.short)-\(release.version)-\(variant)-\(arch)-dvd1.iso"
    }
}
