import Foundation

/// One variant of a compose and what it gathers.
public struct ComposeVariant: Equatable, Sendable {
    public var id: String
    /// Comps groups of this variant (from `--variant ID:group,group`); nil: the command-wide request.
    public var groups: [String]?
    public init(id: String, groups: [String]? = nil) {
        self.id = id
        self.groups = groups
    }

    /// Parses `ID` or `ID:group,group`.
    public static func parse(_ text: String) throws -> ComposeVariant {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let id = parts.first, !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw GooseError.usage("invalid variant '\(text)': expected ID or ID:group,group (letters, digits, - and _)")
        }
        return ComposeVariant(id: id, groups: parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : nil)
    }
}

/// What `goose compose-iso` is asked to do.
public struct ComposeOptions: Sendable {
    /// Source repository per arch: a directory with repodata/ (`--repo`, or `repos/<tag>/latest/<arch>` of a mash).
    public var repositories: [String: String]
    public var variants: [ComposeVariant]
    public var arches: [String]
    public var release: ComposeRelease
    public var comps: String?
    public var groups: [String]?
    public var packageList: [String]?
    public var includeLevel = CompsIncludeLevel.default
    /// A lorax-style directory with `images/`, `isolinux/` and/or `EFI/` copied into each tree.
    public var bootDirectory: String?
    public var label: String?
    public var requireKey: String?
    /// Fingerprint of the key that clear-signs each CHECKSUM and is shipped as RPM-GPG-KEY-<short>; nil: unsigned.
    public var signKey: String?
    /// GnuPG home holding `signKey` (nil: $GNUPGHOME or ~/.gnupg).
    public var gnupgHome: String?
    /// The signing key's passphrase (nil: gpg-agent asks or has it cached).
    public var passphrase: Passphrase?
    public var id: String?
    /// SOURCE_DATE_EPOCH; nil: the newest build time of the gathered packages.
    public var sourceDateEpoch: Int?
    /// Allow images up to a dual-layer DVD's 8.5 GB instead of 4.7 GB.
    public var dualLayer = false
    public var jobs = 2

    public init(repositories: [String: String], variants: [ComposeVariant], arches: [String], release: ComposeRelease) {
        self.repositories = repositories
        self.variants = variants
        self.arches = arches
        self.release = release
    }
}

/// What a compose produced.
public struct ComposeReport: Codable, Equatable, Sendable {
    public struct Tree: Codable, Equatable, Sendable {
        public var variant: String
        public var arch: String
        public var packages: Int
        public var iso: String
        public var size: Int
        public var sha256: String
        public var implantedMD5: String
        public var volumeId: String
        /// `libarchive` (plain or BIOS El Torito) or `xorriso` (hybrid BIOS+EFI).
        public var writer: String
    }
    public var id: String
    public var directory: String
    public var latest: String
    public var sourceDateEpoch: Int
    public var trees: [Tree]
}

/// `goose compose-iso`: gathers, lays out installable trees with metadata, writes ISOs, publishes atomically.
public struct Compose {
    public let workspace: Workspace
    public init(workspace: Workspace) { self.workspace = workspace }

    public var root: String { workspace.root + "/composes" }

    static let singleLayerLimit = 4_700_000_000
    static let dualLayerLimit = 8_500_000_000

    /// Runs the compose; `progress` hears one line per step.
    public func run(_ options: ComposeOptions, progress: (String) -> Void = { _ in }) throws -> ComposeReport {
        // An unusable key or passphrase is an error before any work: a test signature checks both.
        let signer = try options.signKey.map { fingerprint -> (context: GPGContext, key: SigningKey) in
            let context = try GPGContext(homeDirectory: options.gnupgHome, passphrase: options.passphrase)
            let key = try context.signingKey(fingerprint: fingerprint)
            _ = try context.sign(Data("goose signing check".utf8), key: key.fingerprint, clear: true)
            return (context, key)
        }
        try FileSystem.createDirectory(root)
        let lock = try FileLock(path: workspace.lockPath("compose"), wait: false)
        defer { lock.unlock() }
        // With the lock held no other compose runs: every staging tree or symlink here is a killed compose's leftover.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where name.hasSuffix(".tmp") {
            FileSystem.remove(root + "/" + name)
        }

        let comps = try options.comps.map { file in (file, try CompsDocument.parse(try FileSystem.contents(of: file), file: file)) }
        var gathered: [String: [String: [GatheredPackage]]] = [:]
        for variant in options.variants {
            let request: GatherRequest
            if let packageList = options.packageList, variant.groups == nil {
                request = .names(packageList)
            } else if let groups = variant.groups ?? options.groups {
                guard let (file, document) = comps else { throw GooseError.usage("--groups needs --comps") }
                request = .groups(try document.groups(named: groups, file: file), level: options.includeLevel)
            } else {
                request = .everything
            }
            for arch in options.arches {
                guard let repository = options.repositories[arch] else { throw GooseError.usage("no source repository for \(arch)") }
                progress("\(variant.id)/\(arch): gathering from \(repository)")
                let packages = try Gather.gather(repository: repository, arch: arch, request: request)
                gathered[variant.id, default: [:]][arch] = packages
            }
        }

        if let requireKey = options.requireKey {
            let keyring = try RequiredKey.keyring(for: requireKey, scratch: workspace.temporaryDirectory)
            for variant in options.variants {
                for arch in options.arches {
                    for package in gathered[variant.id]![arch]! {
                        let file = options.repositories[arch]! + "/" + package.location
                        do { try RPMPackageReader.verify(file, keyring: keyring) } catch let error as GooseError {
                            throw GooseError.invalidPackage(file: file, reason: "not signed by the required key \(requireKey): \(error.description.replacingOccurrences(of: file + ": ", with: ""))")
                        }
                    }
                }
            }
        }

        // rpms.json names the key each package is signed with, as pungi records it.
        var sigkeys: [String: String?] = [:]
        for variant in options.variants {
            for arch in options.arches {
                for index in gathered[variant.id]![arch]!.indices {
                    let file = options.repositories[arch]! + "/" + gathered[variant.id]![arch]![index].location
                    if sigkeys[file] == nil { sigkeys[file] = try Self.sigkey(of: file) }
                    gathered[variant.id]![arch]![index].sigkey = sigkeys[file]!
                }
            }
        }

        // Each tree's size is checked before anything is written (no 5 GB tree hashed and imaged only to be refused),
        // and each image again once written.
        let bootSize = try options.bootDirectory.map { boot -> Int in
            guard FileSystem.isDirectory(boot) else { throw GooseError.io(path: boot, reason: "boot directory not found") }
            return try Self.treeSize(boot)
        } ?? 0
        for variant in options.variants {
            for arch in options.arches {
                let files = gathered[variant.id]![arch]!.map { options.repositories[arch]! + "/" + $0.location }
                try Self.checkMediaSize(try Self.filesSize(files) + bootSize, of: "\(variant.id)/\(arch)/os", dualLayer: options.dualLayer)
            }
        }

        let allPackages = gathered.values.flatMap { $0.values.flatMap { $0 } }
        let timestamp = options.sourceDateEpoch ?? allPackages.map(\.buildTime).max() ?? 0
        let existing = Set((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
        let identity: ComposeIdentity
        if let id = options.id {
            guard !id.isEmpty, !id.contains("/"), !id.hasPrefix("."), !id.hasPrefix("latest-"), !id.hasSuffix(".tmp") else {
                throw GooseError.usage("invalid compose id '\(id)'")
            }
            guard !existing.contains(id) else { throw GooseError.workspace("compose \(id) already exists in \(root); an id is never overwritten") }
            identity = ComposeIdentity(id: id, date: ComposeIdentity.date(of: timestamp), respin: 0)
        } else {
            identity = ComposeIdentity.next(release: options.release, timestamp: timestamp, existing: existing)
        }

        let staging = "\(root)/\(identity.id).tmp"
        try FileSystem.createDirectory(staging)
        var published = false
        defer { if !published { FileSystem.remove(staging) } }

        var trees: [ComposeReport.Tree] = []
        var images: [ComposeImage] = []
        let keys = try Self.shippedKeys(requireKey: options.requireKey, signer: signer, release: options.release)
        for variant in options.variants {
            for arch in options.arches {
                let packages = gathered[variant.id]![arch]!
                let relativeTree = "\(variant.id)/\(arch)/os"
                let tree = "\(staging)/compose/\(relativeTree)"
                progress("\(relativeTree): \(packages.count) packages")
                var hrefs: [String] = []
                for package in packages {
                    let href = ComposeLayout.packagePath(package.fileName)
                    try BuildImporter.linkOrCopy(options.repositories[arch]! + "/" + package.location, to: tree + "/" + href)
                    hrefs.append(href)
                }
                var repodata = RepodataOptions()
                repodata.comps = options.comps
                repodata.timestamp = timestamp
                repodata.jobs = options.jobs
                _ = try RepodataGenerator.generate(repository: tree, packages: hrefs.map { RepodataPackage(href: $0) }, previous: nil, options: repodata)

                var bootImages: [String: String] = [:]
                var stage2: String?
                if let boot = options.bootDirectory {
                    try Self.linkTree(boot, into: tree)
                    (bootImages, stage2) = Self.bootImages(in: tree, arch: arch)
                }
                for (name, key) in keys { try AtomicFileWriter.write(key, to: tree + "/" + name) }
                var checksums = ["repodata/repomd.xml": try ContentDigest.hexDigest(ofFile: tree + "/repodata/repomd.xml", algorithm: .sha256)]
                for path in bootImages.values.sorted() + (stage2.map { [$0] } ?? []) {
                    checksums[path] = try ContentDigest.hexDigest(ofFile: tree + "/" + path, algorithm: .sha256)
                }
                try AtomicFileWriter.write(ComposeMetadata.treeinfo(release: options.release, variant: variant.id, arch: arch, timestamp: timestamp,
                                                                    checksums: checksums, images: bootImages, stage2: stage2), to: tree + "/.treeinfo")
                try AtomicFileWriter.write(ComposeMetadata.discinfo(release: options.release, arch: arch, timestamp: timestamp), to: tree + "/.discinfo")
                try AtomicFileWriter.write(ComposeMetadata.mediaRepo(release: options.release, timestamp: timestamp), to: tree + "/media.repo")

                let isoDirectory = "\(staging)/compose/\(variant.id)/\(arch)/iso"
                try FileSystem.createDirectory(isoDirectory)
                let isoName = ComposeLayout.isoName(release: options.release, variant: variant.id, arch: arch)
                let iso = isoDirectory + "/" + isoName
                let volumeId = options.label.map { String($0.prefix(32)) } ?? ComposeLayout.volumeId(release: options.release, arch: arch)
                progress("\(relativeTree): writing \(isoName)")
                let writer = try ISOBuilder.build(tree: tree, output: iso, volumeId: volumeId, timestamp: timestamp,
                                                  scratch: workspace.temporaryDirectory)
                let md5 = try ISOBuilder.implantMD5(iso)
                var status = stat()
                guard stat(iso, &status) == 0 else { throw GooseError.errno(iso, "cannot stat") }
                let size = Int(status.st_size)
                try Self.checkMediaSize(size, of: isoName, dualLayer: options.dualLayer)
                let sha256 = try ContentDigest.hexDigest(ofFile: iso, algorithm: .sha256)
                try AtomicFileWriter.write(ComposeMetadata.checksumFile([isoName: (size, sha256)]), to: isoDirectory + "/CHECKSUM")
                if let signer {
                    // FileSigner checks the clear signature before it replaces the file.
                    _ = try FileSigner.sign([isoDirectory + "/CHECKSUM"], key: signer.key, context: signer.context, clear: true)
                }
                let bootable = writer != "libarchive"
                images.append(ComposeImage(path: "\(variant.id)/\(arch)/iso/\(isoName)", size: size, mtime: timestamp, sha256: sha256,
                                           implantedMD5: md5, volumeId: volumeId, bootable: bootable, variant: variant.id, arch: arch))
                trees.append(.init(variant: variant.id, arch: arch, packages: packages.count, iso: "\(root)/\(identity.id)/compose/\(variant.id)/\(arch)/iso/\(isoName)",
                                   size: size, sha256: sha256, implantedMD5: md5, volumeId: volumeId, writer: writer))
            }
        }

        let metadata = staging + "/compose/metadata"
        try FileSystem.createDirectory(metadata)
        let variantArches = Dictionary(uniqueKeysWithValues: options.variants.map { ($0.id, options.arches) })
        try AtomicFileWriter.write(ComposeMetadata.composeinfo(release: options.release, identity: identity, variants: variantArches), to: metadata + "/composeinfo.json")
        try AtomicFileWriter.write(ComposeMetadata.rpms(identity: identity, packages: gathered), to: metadata + "/rpms.json")
        try AtomicFileWriter.write(ComposeMetadata.images(identity: identity, images: images), to: metadata + "/images.json")
        try AtomicFileWriter.write(identity.id + "\n", to: staging + "/COMPOSE_ID")
        try AtomicFileWriter.write("FINISHED\n", to: staging + "/STATUS")

        // Durable before visible, then one rename publishes and one symlink rename switches latest.
        FileSystem.syncFileSystem(of: staging)
        let final = root + "/" + identity.id
        guard !FileSystem.exists(final) else { throw GooseError.workspace("compose \(identity.id) already exists in \(root); an id is never overwritten") }
        try FileSystem.moveIntoPlace(staging, final)
        published = true
        let latest = "latest-\(options.release.short)-\(options.release.version)"
        let temporary = "\(root)/.\(latest).\(getpid()).tmp"
        FileSystem.remove(temporary)
        guard symlink(identity.id, temporary) == 0 else { throw GooseError.errno(temporary, "cannot create symlink") }
        try FileSystem.moveIntoPlace(temporary, root + "/" + latest)
        return ComposeReport(id: identity.id, directory: final, latest: root + "/" + latest, sourceDateEpoch: timestamp, trees: trees)
    }

    /// The armored public keys each tree ships, by file name: the signing key as RPM-GPG-KEY-<short>, and the
    /// packages' key (--require-key) as RPM-GPG-KEY-<short> when there is no signing key, or as
    /// RPM-GPG-KEY-<short>-packages when it is another key.
    static func shippedKeys(requireKey: String?, signer: (context: GPGContext, key: SigningKey)?, release: ComposeRelease) throws -> [(String, Data)] {
        let name = "RPM-GPG-KEY-" + release.short.lowercased()
        var keys: [(String, Data)] = []
        if let signer { keys.append((name, try signer.context.exportPublicKey(fingerprint: signer.key.fingerprint))) }
        if let requireKey {
            let isSigningKey = signer.map { !FileSystem.isRegularFile(requireKey) && $0.key.owns(keyID: String(requireKey.replacingOccurrences(of: " ", with: "").suffix(16))) } ?? false
            if !isSigningKey {
                let armored = FileSystem.isRegularFile(requireKey) ? try FileSystem.contents(of: requireKey) : try RequiredKey.exportPublicKey(fingerprint: requireKey)
                if keys.first?.1 != armored { keys.append((keys.isEmpty ? name : name + "-packages", armored)) }
            }
        }
        return keys
    }

    /// Hardlinks (or copies) every file of `source` into `destination`, keeping the relative layout.
    static func linkTree(_ source: String, into destination: String) throws {
        guard FileSystem.isDirectory(source) else { throw GooseError.io(path: source, reason: "boot directory not found") }
        try ISOWriter.walk(source) { relative, isDirectory in
            if !isDirectory { try BuildImporter.linkOrCopy(source + "/" + relative, to: destination + "/" + relative) }
        }
    }

    /// productmd image types of the lorax files present in a tree, and the stage2 image.
    static func bootImages(in tree: String, arch: String) -> ([String: String], String?) {
        let known = ["boot.iso": "images/boot.iso", "efiboot.img": "images/efiboot.img", "kernel": "images/pxeboot/vmlinuz",
                     "initrd": "images/pxeboot/initrd.img"]
        let present = known.filter { FileSystem.isRegularFile(tree + "/" + $0.value) }
        let stage2 = FileSystem.isRegularFile(tree + "/images/install.img") ? "images/install.img" : nil
        return (present, stage2)
    }

    /// The short key ID of an RPM's header signature, as productmd's sigkey; nil when unsigned.
    static func sigkey(of file: String) throws -> String? {
        guard case let .signed(keyID) = try RPMPackageReader.read(file).signature, let keyID else { return nil }
        return String(keyID.suffix(8)).lowercased()
    }

    /// Refuses a tree or image bigger than a single-layer DVD (4.7 GB), or a dual-layer one (8.5 GB) with `dualLayer`.
    static func checkMediaSize(_ size: Int, of subject: String, dualLayer: Bool) throws {
        let limit = dualLayer ? dualLayerLimit : singleLayerLimit
        guard size <= limit else {
            throw GooseError.workspace("\(subject) needs \(size) bytes, more than a \(dualLayer ? "dual" : "single")-layer DVD holds (\(limit))"
                + (dualLayer ? "; gather fewer packages" : "; use --dual-layer or gather fewer packages"))
        }
    }

    /// The bytes these files take on an image: each file starts on a 2048-byte sector.
    static func filesSize(_ files: [String]) throws -> Int {
        var total = 0
        for file in files {
            var status = stat()
            guard stat(file, &status) == 0 else { throw GooseError.errno(file, "cannot stat") }
            total += (Int(status.st_size) + 2047) / 2048 * 2048
        }
        return total
    }

    /// The bytes the tree's files take on the image: each file starts on a 2048-byte sector.
    static func treeSize(_ tree: String) throws -> Int {
        var total = 0
        try ISOWriter.walk(tree) { relative, isDirectory in
            var status = stat()
            if !isDirectory, stat(tree + "/" + relative, &status) == 0 { total += (Int(status.st_size) + 2047) / 2048 * 2048 }
        }
        return total
    }
}
