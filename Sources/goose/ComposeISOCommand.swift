import ArgumentParser
import Foundation
import GooseKit

extension CompsIncludeLevel: ExpressibleByArgument {}

struct ComposeISOCommand: ParsableCommand, StartsWithRPM {
    static let configuration = CommandConfiguration(
        commandName: "compose-iso",
        abstract: "Compose installable trees and DVD ISOs from a mashed tag or a repository, reproducibly.",
        discussion: """
        Gathers packages, lays out one tree per variant and arch, writes metadata and one ISO per tree:
          composes/<id>/compose/<V>/<arch>/os/   Packages/<letter>/, repodata/,
                                                 .treeinfo, .discinfo, media.repo
          composes/<id>/compose/<V>/<arch>/iso/  <SHORT>-<version>-<V>-<arch>-dvd1.iso,
                                                 CHECKSUM
          composes/<id>/compose/metadata/        composeinfo.json, rpms.json,
                                                 images.json (productmd 1.2)
          composes/latest-<SHORT>-<version> -> <id>

        Gather (libsolv): --groups takes the comps groups at --include-level (required: mandatory and \
        conditional; default: + default; all: + optional), --packages FILE the names listed one per line; \
        with neither, every package of the repository. Then the runtime dependency closure. A requested \
        name takes its newest build of the native arch (or noarch). A dependency is satisfied by a \
        package already included if any; otherwise the provider is chosen by: native arch (noarch counts \
        as native) before multilib, then the shortest name, then alphabetical order, then the newest \
        E:V-R. Conditional packages join when their condition package is in. Anything unresolvable is \
        one error listing every missing name and dependency. --variant ID:group,group gives a variant its \
        own groups.

        Repodata is written through libcreaterepo_c with the comps file as the group record. .treeinfo is \
        productmd 1.2 (sorted sections and keys, [checksums] over repodata/repomd.xml and boot images, the \
        legacy [general] section).

        The ISO (Rock Ridge + Joliet, volume id --label or <SHORT>-<version>-<arch>-dvd, at most 32 \
        characters) is written by libarchive, streaming from disk. With --boot DIR (a lorax-style tree \
        with isolinux/ and/or images/, EFI/) the files are added to each tree; isolinux/isolinux.bin \
        becomes a BIOS El Torito entry (no emulation, boot-info-table) written by libarchive; when \
        images/efiboot.img exists, xorriso -as mkisofs builds the hybrid BIOS+EFI image with lorax's flags \
        instead (the output names the writer). The MD5 is implanted with implantisomd5 (isomd5sum). \
        Images over 4.7 GB are refused unless --dual-layer. CHECKSUM is in pungi's form, clear-signed \
        with --sign-key or goose.toml's signing.key (the key and passphrase are checked before any work; the \
        passphrase comes from gpg-agent or --passphrase-file/--passphrase-fd, never the command line), and \
        that key is shipped in each tree as RPM-GPG-KEY-<short>.

        Reproducible: every date is SOURCE_DATE_EPOCH (default: the newest build time of the gathered \
        packages), so two composes of the same inputs give byte-identical ISOs and metadata. The default \
        id is <SHORT>-<version>-<YYYYMMDD>.<n> with the first free n; an existing id is never \
        overwritten. The compose is built in composes/<id>.tmp and renamed; latest-<SHORT>-<version> is \
        switched by a symlink rename, so a killed compose leaves the previous state.

        Exit codes: 0 composed; 2 bad arguments; 3 unresolvable packages, existing id, oversized image, \
        bad comps; 4 a package not signed by --require-key; 7 another compose is running; 8 unusable signing key or \
        passphrase.

        Examples:
          goose compose-iso --tag el9 --variant BaseOS --arch x86_64 --release-name "Goose Linux" \\
              --release-short GL --release-version 9.4 --comps comps.xml --groups core
          goose compose-iso --repo repos/el9/latest/x86_64 --variant BaseOS --arch x86_64 \\
              --release-name "Goose Linux" --release-short GL --release-version 9.4 --packages pkgs.txt --json
          SOURCE_DATE_EPOCH=1700000000 goose compose-iso --tag el9 --variant BaseOS:core \\
              --variant AppStream:base --arch x86_64 --release-name "Goose Linux" --release-short GL \\
              --release-version 9.4 --comps comps.xml --boot lorax-out --label GL-9.4-x86_64
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp("Compose from the mash of this tag (repos/<tag>/latest/<arch>).", valueName: "tag"))
    var tag: String?

    @Option(name: .long, help: ArgumentHelp("Compose from this repository directory (with repodata/).", valueName: "dir"))
    var repo: String?

    @Option(name: .long, help: ArgumentHelp("Variant ID, or ID:group,group (repeatable).", valueName: "variant"))
    var variant: [String] = []

    @Option(name: .long, help: ArgumentHelp("Arch (repeatable; comma-separated lists accepted).", valueName: "arch"))
    var arch: [String] = []

    @Option(name: .long, help: "Release name (productmd release.name).")
    var releaseName: String

    @Option(name: .long, help: "Release short name (productmd release.short).")
    var releaseShort: String

    @Option(name: .long, help: "Release version.")
    var releaseVersion: String

    @Option(name: .long, help: ArgumentHelp("comps.xml: group file of the repodata and source of --groups.", valueName: "file"))
    var comps: String?

    @Option(name: .long, help: ArgumentHelp("Comma-separated comps group ids to gather.", valueName: "list"))
    var groups: String?

    @Option(name: .long, help: ArgumentHelp("File of package names to gather, one per line (# comments).", valueName: "file"))
    var packages: String?

    @Option(name: .long, help: "Comps include level: required, default or all.")
    var includeLevel: CompsIncludeLevel = .default

    @Option(name: .long, help: ArgumentHelp("lorax-style boot tree (isolinux/, images/, EFI/) to add and make bootable.", valueName: "dir"))
    var boot: String?

    @Option(name: .long, help: ArgumentHelp("ISO volume id (at most 32 characters).", valueName: "label"))
    var label: String?

    @Option(name: .long, help: ArgumentHelp("Require every gathered package to be signed by this key (fingerprint or key file).", valueName: "key"))
    var requireKey: String?

    @Option(name: .long, help: ArgumentHelp("Clear-sign each CHECKSUM with this key and ship it as RPM-GPG-KEY-<short> (default: goose.toml's signing.key, if set).", valueName: "fingerprint"))
    var signKey: String?

    @Flag(name: .long, help: "Do not sign CHECKSUM even when goose.toml names a signing key.")
    var noSign = false

    @Option(name: .long, help: ArgumentHelp("Read the signing key's passphrase from the first line of this file.", valueName: "file"))
    var passphraseFile: String?

    @Option(name: .long, help: ArgumentHelp("Read the signing key's passphrase from this open file descriptor.", valueName: "fd"))
    var passphraseFd: Int32?

    @Option(name: .long, help: ArgumentHelp("Compose id (default <SHORT>-<version>-<YYYYMMDD>.<n>).", valueName: "id"))
    var id: String?

    @Flag(name: .long, help: "Allow images up to a dual-layer DVD (8.5 GB).")
    var dualLayer = false

    @Option(name: [.short, .long], help: ArgumentHelp("Packages to read at once (default: number of cores).", valueName: "n"))
    var jobs: Int?

    func validate() throws {
        if (tag == nil) == (repo == nil) { throw ValidationError("give exactly one of --tag and --repo") }
        if variant.isEmpty { throw ValidationError("give at least one --variant") }
        if arches.isEmpty { throw ValidationError("give at least one --arch") }
        if groups != nil && packages != nil { throw ValidationError("give at most one of --groups and --packages") }
        if groups != nil && comps == nil { throw ValidationError("--groups needs --comps") }
        if let label, label.count > 32 { throw ValidationError("--label must be at most 32 characters") }
        if repo != nil && arches.count > 1 { throw ValidationError("--repo composes one arch; use --tag for several") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if passphraseFile != nil && passphraseFd != nil { throw ValidationError("give --passphrase-file or --passphrase-fd, not both") }
        if noSign && signKey != nil { throw ValidationError("give --sign-key or --no-sign, not both") }
    }

    var arches: [String] { arch.flatMap { $0.split(separator: ",").map(String.init) } }

    func run() throws {
        let workspace = try workspaceOptions.open()
        var repositories: [String: String] = [:]
        for arch in arches {
            repositories[arch] = repo.map(FileSystem.absolute) ?? "\(workspace.root)/repos/\(tag!)/latest/\(arch)"
        }
        var options = ComposeOptions(repositories: repositories, variants: try variant.map(ComposeVariant.parse), arches: arches,
                                     release: ComposeRelease(name: releaseName, short: releaseShort, version: releaseVersion))
        options.comps = comps.map(FileSystem.absolute)
        options.groups = groups.map { $0.split(separator: ",").map(String.init) }
        if let packages {
            let text = String(decoding: try FileSystem.contents(of: packages), as: UTF8.self)
            options.packageList = text.split(separator: "\n").map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        options.includeLevel = includeLevel
        options.bootDirectory = boot.map(FileSystem.absolute)
        options.label = label
        options.requireKey = requireKey.map { FileSystem.isRegularFile($0) ? FileSystem.absolute($0) : $0 }
        let configuration = workspace.configuration
        if !noSign, let key = signKey ?? (configuration.signingKey.isEmpty ? nil : configuration.signingKey) {
            options.signKey = key
            if !configuration.signingGnupgHome.isEmpty {
                options.gnupgHome = configuration.signingGnupgHome.hasPrefix("/") ? configuration.signingGnupgHome : workspace.root + "/" + configuration.signingGnupgHome
            }
            if let passphraseFile { options.passphrase = try Passphrase.read(file: passphraseFile) }
            if let passphraseFd { options.passphrase = try Passphrase.read(descriptor: passphraseFd) }
        }
        options.id = id
        options.dualLayer = dualLayer
        options.jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] {
            guard let value = Int(epoch), value >= 0 else { throw ValidationError("SOURCE_DATE_EPOCH must be a non-negative integer") }
            options.sourceDateEpoch = value
        }
        // libarchive encodes ISO 9660 dates in local time: one zone for every host keeps the image byte-identical.
        setenv("TZ", "UTC", 1)
        tzset()
        // Steps go to a terminal by default; --verbose prints them when piped too.
        let verbose = output.verbose || (!output.quiet && !output.json && isatty(STDERR_FILENO) != 0)
        for (arch, repository) in repositories.sorted(by: { $0.key < $1.key }) { output.detail("\(arch): gathering from \(repository)") }
        output.detail(options.signKey.map { "signing CHECKSUM with \($0)" } ?? "CHECKSUM unsigned")
        let report = try Compose(workspace: workspace).run(options) { step in
            if verbose { FileHandle.standardError.write(Data("goose: \(step)\n".utf8)) }
        }
        if output.json { Console.json(report); return }
        guard !output.quiet else { return }
        for tree in report.trees {
            Console.line("\(tree.variant)/\(tree.arch): \(tree.packages) packages, \(tree.iso) (\(tree.size) bytes, volume \(tree.volumeId), written by \(tree.writer))")
        }
        Console.line("composed \(report.id) in \(report.directory) (SOURCE_DATE_EPOCH \(report.sourceDateEpoch)), \(report.latest) -> \(report.id)")
    }
}
