import ArgumentParser
import Foundation
import GooseKit

extension MultilibPolicy: ExpressibleByArgument {}
extension RepodataCompression: ExpressibleByArgument {}

struct MashCommand: ParsableCommand, StartsWithRPM {
    static let configuration = CommandConfiguration(
        commandName: "mash",
        abstract: "Turn a tag into closure-checked yum repositories under repos/<tag>/.",
        discussion: """
        Selects the latest build of each package in TAG (inheritance included, see goose-tag(1)) and lays \
        out one tree per run, repos/<tag>/<timestamp>/, with repos/<tag>/latest pointing at the newest:
          <arch>/          binary and noarch packages (multilib ones on x86_64)
          <arch>/debug/    -debuginfo, -debuginfo-common-* and -debugsource packages
          source/tree/     source RPMs

        A noarch package skips the arches that its source package's ExcludeArch names or its ExclusiveArch \
        leaves out (as mash does; rpmbuild records both in the source RPM only, so they are read from the build's \
        SRPM; "noarch" in ExclusiveArch only permits the noarch build). Builds without an SRPM are not restricted.

        Package files are hardlinked from builds/. Repodata (primary, filelists, other, plus comps as the \
        group record and updateinfo when given) is written through libcreaterepo_c with sha256 checksums and \
        checksum-prefixed file names, gz-compressed unless --compression says otherwise (Debian's \
        libcreaterepo_c 0.17.3 has no zstd). --sqlite adds the sqlite databases (primary_db, filelists_db, \
        other_db, bzip2-compressed, as createrepo_c without --no-database). For files whose size and modification \
        time are unchanged, a mash reuses the package metadata of the previous run (kept in .goose/cache/mash/, else \
        read back from the previous tree's repodata, as createrepo_c --update does); with gz, each build's packages \
        form one gzip member of the XML files, kept in that cache too, so only changed builds are compressed again \
        (gzip readers take concatenated members as one stream). Deleting .goose/cache/ is always safe.

        Multilib (x86_64 takes i686/i586/i486/i386/athlon packages; other arches have none), after mash's \
        multilib.py:
          runtime  a package ships *.so.* directly in /lib, /lib64, /usr/lib or /usr/lib64; or libnss_* or \
        libdb-* in /lib or /lib64; or anything under /usr/lib{,64}/{alsa-lib,dri,gtk-2.0/modules, \
        gtk-2.0/immodules,krb5/plugins,sasl2,vdpau}/ or /lib{,64}/security/; or /etc/ld.so.conf.d/*.conf. \
        Never httpd, php, tomcat-native; always valgrind, wine, perl-libs, redhat-lsb, libgnat.
          devel    not dmraid-devel, httpd-devel, kdeutils-devel, mkinitrd-devel, php-devel or java-*-devel; \
        then the runtime rule; then names ending in -devel or -static (except ghc-*).
          all      every package of the multilib arches.
          none     no multilib packages.
        goose.toml's [multilib] whitelist always adds a name and blacklist always removes one. Every \
        multilib package the policy picks brings the multilib packages that provide what it requires, \
        transitively. Multilib -debuginfo packages are not added.

        Then a closure check with libsolv: every Requires of every package of each <arch> repository must \
        be provided by that repository or a --base-repo; each broken one is listed as \
        "pkg requires X, nothing provides X". A rich dependency is judged by its operators: (A and B) needs \
        both, (A or B) either, (A if B else C) needs A when something provides B and C otherwise; the \
        message names the operand nothing provides. With --strict (default for tags with release = true) a \
        broken dependency stops the mash and nothing is published.

        --require-key checks every selected file with librpm against that key alone (a fingerprint looked \
        up in gpg's keyring, or a public key file); an unsigned or differently signed package stops the mash \
        and is named.

        Publishing is atomic: the tree is built as repos/<tag>/<timestamp>.<pid>.tmp, synced, renamed, then \
        `latest` is switched with one symlink rename; the oldest trees beyond --keep are removed. A mash \
        killed at any point leaves `latest` pointing at the previous complete tree; its leftovers are removed \
        by the next mash. With --sign-key (or goose.toml's [signing] key) each repomd.xml gets a detached, armored \
        repomd.xml.asc made through gpgme.

        Exit codes: 0 published; 3 unknown tag, or broken dependencies with --strict; 4 a package is \
        unreadable or not signed by the required key; 7 another mash of the tag is running; 8 the signing key is \
        missing or unusable.

        Examples:
          goose mash el9
          goose mash el9 --arches x86_64 --multilib runtime --comps comps.xml --keep 5
          goose mash el9 --require-key 6C7CB6EF305D63D9C0D5A4BF9D0C3A5C8B5A8C3E --strict --json
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The tag to mash.")
    var tag: String

    @Option(name: .long, help: ArgumentHelp("Comma-separated arches (default: goose.toml's distribution.arches).", valueName: "list"))
    var arches: String?

    @Option(name: .long, help: ArgumentHelp("Multilib policy: devel, runtime, all or none (default: goose.toml's multilib.policy).", valueName: "policy"))
    var multilib: MultilibPolicy?

    @Option(name: .long, help: ArgumentHelp("Require every package to be signed by this key (fingerprint or public key file).", valueName: "key"))
    var requireKey: String?

    @Option(name: .long, help: ArgumentHelp("comps.xml to publish as the group record.", valueName: "file"))
    var comps: String?

    @Option(name: .long, help: ArgumentHelp("updateinfo.xml to publish as is.", valueName: "file"))
    var updateinfo: String?

    @Option(name: .long, help: ArgumentHelp("Repository directory the closure check may also resolve against (repeatable).", valueName: "dir"))
    var baseRepo: [String] = []

    @Option(name: .long, help: "Compression of the repodata XML: gz, xz, bz2 or none.")
    var compression: RepodataCompression = .gz

    @Flag(name: .long, help: "Also write the sqlite databases (primary_db, filelists_db, other_db; bzip2), for yum and older tools.")
    var sqlite = false

    @Option(name: .long, help: "Published trees to keep.")
    var keep: Int = 3

    @Option(name: [.short, .long], help: ArgumentHelp("Packages to read at once (default: number of cores).", valueName: "n"))
    var jobs: Int?

    @Option(name: .long, help: ArgumentHelp("Sign each repomd.xml with this key (default: goose.toml's signing.key, if set); the passphrase comes from gpg-agent.", valueName: "fingerprint"))
    var signKey: String?

    @Flag(name: .long, help: "Do not sign repomd.xml even when goose.toml names a signing key.")
    var noSign = false

    @Flag(inversion: .prefixedNo, help: "Refuse to publish when a dependency is broken (default: on for release tags).")
    var strict: Bool?

    func validate() throws {
        if keep < 1 { throw ValidationError("--keep must be at least 1") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let workspace = try workspaceOptions.open()
        let configuration = workspace.configuration
        var options = MashOptions(
            tag: tag,
            arches: arches.map { $0.split(separator: ",").map(String.init) } ?? configuration.arches,
            multilib: multilib ?? configuration.multilib.policy,
            requireKey: requireKey,
            strict: strict ?? (configuration.tags[tag]?.release ?? false))
        options.keep = keep
        options.baseRepositories = baseRepo.map(Mash.baseRepositoryPath)
        options.repodata.compression = compression
        options.repodata.comps = comps.map(FileSystem.absolute)
        options.repodata.updateinfo = updateinfo.map(FileSystem.absolute)
        options.repodata.jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        options.repodata.sqlite = sqlite
        if !noSign {
            options.signKey = signKey ?? (configuration.signingKey.isEmpty ? nil : configuration.signingKey)
            if !configuration.signingGnupgHome.isEmpty {
                options.gnupgHome = configuration.signingGnupgHome.hasPrefix("/") ? configuration.signingGnupgHome : workspace.root + "/" + configuration.signingGnupgHome
            }
        }
        // Steps go to a terminal by default; --verbose prints them when piped too (cron logs).
        let verbose = output.verbose || (!output.quiet && !output.json && isatty(STDERR_FILENO) != 0)
        output.detail("workspace \(workspace.root); tag \(tag), arches \(options.arches.joined(separator: ",")), multilib \(options.multilib), "
            + "\(options.strict ? "strict" : "not strict"), " + (options.signKey.map { "signing repomd.xml with \($0)" } ?? "repomd.xml unsigned"))
        let report = try Mash(workspace: workspace).run(options) { step in
            if verbose { Console.error(step) }
        }
        if output.json { Console.json(report); return }
        for broken in report.broken { Console.error("warning: \(broken)") }
        guard !output.quiet else { return }
        for repository in report.repositories {
            Console.line("\(repository.path): \(repository.packages) packages (\(repository.reused) reused)")
        }
        if !report.multilib.isEmpty { Console.line("multilib: \(report.multilib.joined(separator: " "))") }
        Console.line("published \(report.directory) as \(workspace.root)/repos/\(tag)/latest")
    }
}
