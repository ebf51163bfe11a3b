import Foundation
import GooseKit
import XCTest

/// End-to-end tests of `goose compose-iso`, checked with xorriso, isoinfo, checkisomd5, productmd, dnf and cmp.
final class ComposeISOCLITests: XCTestCase {
    @discardableResult
    private func shell(_ command: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try GooseBinary.runProgram("/bin/sh", ["-c", command], timeout: 600)
        XCTAssertEqual(result.status, 0, "\(command) failed: \(result.stderr)", file: file, line: line)
        return result.stdout
    }

    @discardableResult
    private func goose(_ arguments: [String], workspace: String, environment: [String: String] = [:], expect status: Int32 = 0,
                       file: StaticString = #filePath, line: UInt = #line) throws -> GooseBinary.Output {
        let result = try GooseBinary.run(arguments + ["--workspace", workspace], environment: environment, timeout: 600)
        XCTAssertEqual(result.status, status, "goose \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        return result
    }

    /// A noarch RPM built with rpmbuild; `padding` bytes of random data make the ISO big enough for isomd5sum.
    private func buildRPM(_ directory: String, name: String, requires: [String] = [], provides: [String] = [], padding: Int = 0) throws {
        let top = directory + "/rpmbuild"
        try FileManager.default.createDirectory(atPath: top + "/SPECS", withIntermediateDirectories: true)
        let spec = """
        Name: \(name)
        Version: 1.0
        Release: 1
        Summary: test package
        License: MIT
        BuildArch: noarch
        \(requires.map { "Requires: \($0)" }.joined(separator: "\n"))
        \(provides.map { "Provides: \($0)" }.joined(separator: "\n"))
        %description
        test
        %install
        mkdir -p %{buildroot}/usr/share/\(name)
        head -c \(padding) /dev/urandom > %{buildroot}/usr/share/\(name)/data
        %files
        /usr/share/\(name)/data
        """
        try spec.write(toFile: "\(top)/SPECS/\(name).spec", atomically: true, encoding: .utf8)
        // Uncompressed payload, so the padding stays its size.
        try shell("rpmbuild --quiet --nodeps --define '_topdir \(top)' --define '_dbpath \(top)/db' "
            + "--define '_binary_payload w0.ufdio' -bb \(top)/SPECS/\(name).spec && mkdir -p \(directory)/src && mv \(top)/RPMS/noarch/\(name)-*.rpm \(directory)/src/")
    }

    private let comps = """
    <?xml version="1.0" encoding="UTF-8"?>
    <comps>
      <group>
        <id>core</id>
        <name>Core</name>
        <packagelist>
          <packagereq type="mandatory">shell</packagereq>
          <packagereq type="default">tools</packagereq>
          <packagereq type="optional">extra</packagereq>
          <packagereq type="conditional" requires="shell">shell-docs</packagereq>
          <packagereq type="conditional" requires="unrelated">unrelated-docs</packagereq>
        </packagelist>
      </group>
    </comps>
    """

    /// src/: a createrepo_c repository of rpmbuild packages; tools needs an mta that two packages provide.
    private func sourceRepository(_ directory: String) throws {
        try buildRPM(directory, name: "base-files")
        try buildRPM(directory, name: "shell", requires: ["base-files"], padding: 2_500_000)
        try buildRPM(directory, name: "tools", requires: ["mta"])
        try buildRPM(directory, name: "postfix", provides: ["mta"])
        try buildRPM(directory, name: "exim", provides: ["mta"])
        try buildRPM(directory, name: "extra")
        try buildRPM(directory, name: "shell-docs", requires: ["shell"])
        try buildRPM(directory, name: "unrelated")
        try buildRPM(directory, name: "unrelated-docs")
        try shell("createrepo_c -q \(directory)/src")
        try comps.write(toFile: directory + "/comps.xml", atomically: true, encoding: .utf8)
    }

    private func json(_ output: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    private func composeArguments(_ directory: String) -> [String] {
        ["compose-iso", "--repo", directory + "/src", "--variant", "BaseOS", "--arch", "x86_64", "--release-name", "Goose Linux",
         "--release-short", "GL", "--release-version", "9.4", "--comps", directory + "/comps.xml", "--groups", "core", "--json"]
    }

    func testComposeCheckedWithXorrisoIsoinfoCheckisomd5ProductmdAndDnf() throws {
        try requireTools(["rpmbuild", "createrepo_c", "xorriso", "isoinfo", "checkisomd5", "dnf", "python3"])
        guard (try? shell("python3 -c 'import productmd'")) != nil else { throw XCTSkip("productmd is not installed (pip install productmd)") }
        let directory = try temporaryDirectory(prefix: "goose-compose-")
        try sourceRepository(directory)
        let workspace = directory + "/ws"
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)

        let report = try json(goose(composeArguments(directory), workspace: workspace).stdout)
        let id = try XCTUnwrap(report["id"] as? String)
        let gathered = ["base-files", "exim", "shell", "shell-docs", "tools"].map { "\(directory)/src/\($0)-1.0-1.noarch.rpm" }.joined(separator: " ")
        let buildTimes = try shell("rpm -qp --qf '%{BUILDTIME}\\n' \(gathered)").split(separator: "\n").compactMap { Int($0) }
        XCTAssertEqual(report["sourceDateEpoch"] as? Int, buildTimes.max(), "default SOURCE_DATE_EPOCH is the newest build time of the gathered packages")
        let tree = try XCTUnwrap((report["trees"] as? [[String: Any]])?.first)
        XCTAssertEqual(tree["writer"] as? String, "libarchive")
        let iso = try XCTUnwrap(tree["iso"] as? String)
        let os = "\(workspace)/composes/\(id)/compose/BaseOS/x86_64/os"
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: workspace + "/composes/latest-GL-9.4"), id)

        // The ISO lists exactly the tree's files.
        let listed = try shell("xorriso -indev \(iso) -find / -type f 2>/dev/null").split(separator: "\n")
            .map { String($0.dropFirst(2).dropLast()) }.sorted()
        let files = try shell("cd \(os) && find . -type f | cut -c3-").split(separator: "\n").map(String.init).sorted()
        XCTAssertEqual(listed, files)
        XCTAssertTrue(files.contains("Packages/s/shell-1.0-1.noarch.rpm"), "\(files)")
        // Packages are hardlinks of the source repository's files (same inode), not copies.
        XCTAssertEqual(try shell("stat -c %i \(os)/Packages/s/shell-1.0-1.noarch.rpm"), try shell("stat -c %i \(directory)/src/shell-1.0-1.noarch.rpm"))
        XCTAssertTrue(files.contains(".treeinfo") && files.contains(".discinfo") && files.contains("media.repo"))

        let info = try shell("isoinfo -d -i \(iso)")
        XCTAssertTrue(info.contains("Volume id: GL-9.4-x86_64-dvd"), info)
        XCTAssertTrue(info.contains("Rock Ridge signatures"), info)
        XCTAssertTrue(info.contains("Joliet"), info)
        XCTAssertTrue(try shell("checkisomd5 \(iso) 2>&1").contains("PASS"))

        // productmd reads the metadata and sees the variant and arch.
        let productmd = try shell("""
        python3 -c "
        import productmd.treeinfo as T, productmd.composeinfo as C, productmd.images as I, productmd.rpms as R
        t = T.TreeInfo(); t.load('\(os)/.treeinfo'); print(t.tree.arch, ','.join(sorted(t.variants.variants)), t.release.short)
        c = C.ComposeInfo(); c.load('\(workspace)/composes/\(id)/compose/metadata/composeinfo.json')
        print(c.compose.id, ','.join(sorted(c.variants.variants)), ','.join(sorted(c.variants['BaseOS'].arches)))
        i = I.Images(); i.load('\(workspace)/composes/\(id)/compose/metadata/images.json'); print(i.images['BaseOS']['x86_64'].pop().volume_id)
        r = R.Rpms(); r.load('\(workspace)/composes/\(id)/compose/metadata/rpms.json'); print(len(r.rpms['BaseOS']['x86_64']))
        "
        """)
        XCTAssertEqual(productmd, "x86_64 BaseOS GL\n\(id) BaseOS x86_64\nGL-9.4-x86_64-dvd\n5\n")
        XCTAssertTrue(try shell("cd \(workspace)/composes/\(id)/compose/BaseOS/x86_64/iso && sha256sum --tag *.iso").contains(
            try String(contentsOfFile: "\(workspace)/composes/\(id)/compose/BaseOS/x86_64/iso/CHECKSUM", encoding: .utf8).split(separator: "\n")[1]))

        // The repository inside the ISO answers dnf with the gathered set: the group at the default level, its
        // closure with exim (shortest name) for mta, the conditional shell-docs; not extra, postfix, unrelated*.
        try shell("xorriso -osirrox on -indev \(iso) -extract / \(directory)/extracted 2>/dev/null")
        let nevras = try shell("dnf -q --releasever 9 --forcearch x86_64 --setopt=reposdir=/dev/null --setopt=cachedir=\(directory)/dnf-cache "
            + "--installroot \(directory)/dnf-root --repofrompath=iso,file://\(directory)/extracted --repo=iso repoquery -a --qf '%{name}'")
            .split(separator: "\n").map(String.init).sorted()
        XCTAssertEqual(nevras, ["base-files", "exim", "shell", "shell-docs", "tools"])
        XCTAssertTrue(try shell("zcat \(directory)/extracted/repodata/*comps*.xml* 2>/dev/null || cat \(directory)/extracted/repodata/*comps*.xml").contains("<id>core</id>"))

        // Same inputs again: a new id, byte-identical ISO and metadata but for the id.
        Thread.sleep(forTimeInterval: 1.1)
        let second = try json(goose(composeArguments(directory), workspace: workspace).stdout)
        let secondId = try XCTUnwrap(second["id"] as? String)
        XCTAssertNotEqual(secondId, id)
        let secondISO = try XCTUnwrap((second["trees"] as? [[String: Any]])?.first?["iso"] as? String)
        try shell("cmp \(iso) \(secondISO)")
        for file in ["compose/BaseOS/x86_64/os/.treeinfo", "compose/BaseOS/x86_64/os/repodata/repomd.xml", "compose/BaseOS/x86_64/iso/CHECKSUM"] {
            try shell("cmp \(workspace)/composes/\(id)/\(file) \(workspace)/composes/\(secondId)/\(file)")
        }
        for file in ["composeinfo.json", "rpms.json", "images.json"] {
            let first = try String(contentsOfFile: "\(workspace)/composes/\(id)/compose/metadata/\(file)", encoding: .utf8)
            let again = try String(contentsOfFile: "\(workspace)/composes/\(secondId)/compose/metadata/\(file)", encoding: .utf8)
            XCTAssertEqual(first.replacingOccurrences(of: id, with: "ID").replacingOccurrences(of: "\"respin\" : 0", with: "\"respin\" : 1"),
                           again.replacingOccurrences(of: secondId, with: "ID"), file)
        }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: workspace + "/composes/latest-GL-9.4"), secondId)

        // An existing id is never overwritten; the previous state stays.
        let before = try shell("sha256sum \(iso)")
        let refused = try goose(composeArguments(directory) + ["--id", id], workspace: workspace, expect: 3)
        XCTAssertTrue(refused.stderr.contains("compose \(id) already exists"), refused.stderr)
        XCTAssertEqual(try shell("sha256sum \(iso)"), before)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: workspace + "/composes/latest-GL-9.4"), secondId)
    }

    func testChecksumIsClearSignedWithTheConfiguredKeyCheckedByGpg() throws {
        try requireTools(["rpmbuild", "createrepo_c", "xorriso", "gpg", "gpgconf", "rpmkeys"])
        let directory = try temporaryDirectory(prefix: "goose-compose-")
        try buildRPM(directory, name: "shell", padding: 600_000)
        try shell("createrepo_c -q \(directory)/src")
        let home = directory + "/gnupg"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        addTeardownBlock { _ = try? GooseBinary.runProgram("/usr/bin/gpgconf", ["--kill", "all"], environment: ["GNUPGHOME": home]) }
        let gpg = "GNUPGHOME=\(home) gpg --batch"
        try shell("\(gpg) --pinentry-mode loopback --passphrase 'compose pass' --quick-gen-key 'Goose Release <release@example.org>' ed25519 sign never 2>/dev/null")
        let fingerprint = try shell("\(gpg) --with-colons --list-keys | awk -F: '/^fpr/ {print $10; exit}'").trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(fingerprint.count, 40)
        try "wrong\n".write(toFile: directory + "/wrong", atomically: true, encoding: .utf8)
        try "compose pass\n".write(toFile: directory + "/right", atomically: true, encoding: .utf8)
        let workspace = directory + "/ws"
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)
        let arguments = ["compose-iso", "--repo", directory + "/src", "--variant", "BaseOS", "--arch", "x86_64", "--release-name", "Goose Linux",
                         "--release-short", "GL", "--release-version", "9.4", "--json"]
        let environment = ["GNUPGHOME": home]

        // A missing key or a wrong passphrase stops the compose before any work; nothing is left behind.
        let missing = try goose(arguments + ["--sign-key", String(repeating: "A", count: 40)], workspace: workspace, environment: environment, expect: 8)
        XCTAssertTrue(missing.stderr.contains("AAAAAAAA"), missing.stderr)
        let wrong = try goose(arguments + ["--sign-key", fingerprint, "--passphrase-file", directory + "/wrong"], workspace: workspace,
                              environment: environment, expect: 8)
        XCTAssertTrue(wrong.stderr.contains("passphrase"), wrong.stderr)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: workspace + "/composes")) ?? [], [])

        // The package signed with the same key passes --require-key (librpm); the key ships once.
        let signing = try GooseBinary.run(["sign", "rpm", "--key", fingerprint, "--passphrase-file", directory + "/right",
                                           directory + "/src/shell-1.0-1.noarch.rpm"], environment: environment)
        XCTAssertEqual(signing.status, 0, signing.stderr)
        try shell("createrepo_c -q --update \(directory)/src")

        // goose.toml's [signing] key is the default; the passphrase comes from a file.
        try shell("sed -i 's|^key = \"\"|key = \"\(fingerprint)\"|' \(workspace)/goose.toml")
        let report = try json(goose(arguments + ["--passphrase-file", directory + "/right", "--require-key", fingerprint], workspace: workspace,
                                    environment: environment).stdout)
        let id = try XCTUnwrap(report["id"] as? String)
        let isoDirectory = "\(workspace)/composes/\(id)/compose/BaseOS/x86_64/iso"
        let checksum = isoDirectory + "/CHECKSUM"
        let text = try String(contentsOfFile: checksum, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("-----BEGIN PGP SIGNED MESSAGE-----"), text)
        let verified = try shell("\(gpg) --status-fd 1 --verify \(checksum) 2>/dev/null")
        XCTAssertTrue(verified.contains("[GNUPG:] VALIDSIG \(fingerprint)"), verified)
        // The signed text is pungi's CHECKSUM of the ISO as sha256sum sees it.
        let expected = try shell("cd \(isoDirectory) && sha256sum --tag *.iso").trimmingCharacters(in: .whitespacesAndNewlines)
        let signedText = try shell("\(gpg) --decrypt \(checksum) 2>/dev/null")
        XCTAssertTrue(signedText.hasPrefix("# GL-9.4-BaseOS-x86_64-dvd1.iso: "), signedText)
        XCTAssertTrue(signedText.contains(expected + "\n"), "\(signedText) vs \(expected)")
        // One flipped byte in the signed text and gpg refuses it.
        try shell("sed 's/^SHA256 (\\(.*\\)) = \\(.\\)/SHA256 (\\1) = X/' \(checksum) > \(directory)/tampered && ! cmp -s \(checksum) \(directory)/tampered")
        let tampered = try GooseBinary.runProgram("/usr/bin/gpg", ["--batch", "--verify", directory + "/tampered"], environment: environment)
        XCTAssertNotEqual(tampered.status, 0, tampered.stderr)

        // The signing key ships in the tree and on the ISO, and rpm accepts it as a key.
        let keyFile = "\(workspace)/composes/\(id)/compose/BaseOS/x86_64/os/RPM-GPG-KEY-gl"
        let shown = try shell("\(gpg) --with-colons --show-keys \(keyFile)")
        XCTAssertTrue(shown.contains("fpr:::::::::\(fingerprint):"), shown)
        try shell("rpmkeys --dbpath \(directory)/rpmdb --import \(keyFile)")
        XCTAssertTrue(try shell("rpmkeys --dbpath \(directory)/rpmdb --checksig \(directory)/src/shell-1.0-1.noarch.rpm").contains("signatures OK"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: keyFile + "-packages"), "the required key is the signing key: shipped once")
        // productmd reads the package's sigkey: the short ID of the key that signed it.
        if try GooseBinary.runProgram("/bin/sh", ["-c", "python3 -c 'import productmd'"]).status == 0 {
            let sigkey = try shell("""
            python3 -c "
            import productmd.rpms as R
            r = R.Rpms(); r.load('\(workspace)/composes/\(id)/compose/metadata/rpms.json')
            print([v['sigkey'] for s in r.rpms['BaseOS']['x86_64'].values() for v in s.values()])
            "
            """)
            XCTAssertEqual(sigkey, "['\(fingerprint.suffix(8).lowercased())']\n")
        }
        let iso = try XCTUnwrap((report["trees"] as? [[String: Any]])?.first?["iso"] as? String)
        XCTAssertTrue(try shell("xorriso -indev \(iso) -find / -type f 2>/dev/null").contains("'/RPM-GPG-KEY-gl'"))

        // --no-sign leaves CHECKSUM plain even with a configured key.
        let plain = try json(goose(arguments + ["--no-sign"], workspace: workspace, environment: environment).stdout)
        let plainId = try XCTUnwrap(plain["id"] as? String)
        XCTAssertTrue(try String(contentsOfFile: "\(workspace)/composes/\(plainId)/compose/BaseOS/x86_64/iso/CHECKSUM", encoding: .utf8).hasPrefix("# GL-9.4-"))
    }

    /// Include levels end to end, two variants in one compose, read back by productmd (rpms.json, composeinfo.json,
    /// each variant's .treeinfo).
    func testIncludeLevelsAndTwoVariantsReadByProductmd() throws {
        try requireTools(["rpmbuild", "createrepo_c", "xorriso", "python3"])
        guard (try? shell("python3 -c 'import productmd'")) != nil else { throw XCTSkip("productmd is not installed (pip install productmd)") }
        let directory = try temporaryDirectory(prefix: "goose-compose-")
        try sourceRepository(directory)
        let workspace = directory + "/ws"
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)
        func gathered(_ level: String) throws -> String {
            let report = try json(goose(["compose-iso", "--repo", directory + "/src", "--variant", "BaseOS", "--variant", "AppStream:core",
                                         "--arch", "x86_64", "--release-name", "Goose Linux", "--release-short", "GL", "--release-version", "9.4",
                                         "--comps", directory + "/comps.xml", "--groups", "core", "--include-level", level, "--json"],
                                        workspace: workspace).stdout)
            let metadata = "\(workspace)/composes/\(try XCTUnwrap(report["id"] as? String))/compose"
            return try shell("""
            python3 -c "
            import productmd.rpms as R, productmd.composeinfo as C, productmd.treeinfo as T
            c = C.ComposeInfo(); c.load('\(metadata)/metadata/composeinfo.json'); print(','.join(sorted(c.variants.variants)))
            r = R.Rpms(); r.load('\(metadata)/metadata/rpms.json')
            for variant in ('AppStream', 'BaseOS'):
                t = T.TreeInfo(); t.load('\(metadata)/%s/x86_64/os/.treeinfo' % variant)
                names = sorted(n.rsplit('-', 2)[0] for srpm in r.rpms[variant]['x86_64'].values() for n in srpm)
                print(t.variants[variant].uid, ' '.join(names))
            "
            """)
        }
        // required: mandatory plus the conditional package whose condition (shell) is in.
        XCTAssertEqual(try gathered("required"), "AppStream,BaseOS\nAppStream base-files shell shell-docs\nBaseOS base-files shell shell-docs\n")
        // all: + default (tools, with exim for its mta) + optional (extra); never unrelated-docs.
        XCTAssertEqual(try gathered("all"),
                       "AppStream,BaseOS\nAppStream base-files exim extra shell shell-docs tools\nBaseOS base-files exim extra shell shell-docs tools\n")
    }

    /// Rich dependencies are gathered by their operators: libsolv's provider list of `(A and B)` names the packages that
    /// provide both, which is none when two packages do. dnf, given a repository of the gathered packages alone (what the
    /// ISO carries), must resolve the install of what was asked for.
    func testGatherFollowsRichDependenciesByTheirOperators() throws {
        try requireTools(["rpmbuild", "createrepo_c", "dnf"])
        let directory = try temporaryDirectory(prefix: "goose-gather-")
        for name in ["have", "have-too", "alt-one", "alt-two", "cond-target", "cond-trigger", "else-target"] { try buildRPM(directory, name: name) }
        try buildRPM(directory, name: "needs-and", requires: ["(have and have-too)"])
        try buildRPM(directory, name: "needs-or", requires: ["(alt-two or alt-one)"])
        try buildRPM(directory, name: "needs-nested", requires: ["((have and have-too) or alt-one)"])
        try buildRPM(directory, name: "needs-if", requires: ["(cond-target if cond-trigger)"])
        try buildRPM(directory, name: "needs-if-else", requires: ["(cond-target if cond-trigger else else-target)"])
        try buildRPM(directory, name: "trigger-user", requires: ["cond-trigger"])
        try buildRPM(directory, name: "needs-missing", requires: ["(have and not-anywhere)"])
        try shell("createrepo_c -q \(directory)/src")
        func gathered(_ names: [String]) throws -> [GatheredPackage] {
            try Gather.gather(repository: directory + "/src", arch: "x86_64", request: .names(names))
        }
        let cases: [([String], [String])] = [
            (["needs-and"], ["have", "have-too", "needs-and"]),
            // The alternatives' providers are chosen among as a plain dependency's are (shortest name, then alphabetical).
            (["needs-or"], ["alt-one", "needs-or"]),
            (["needs-nested"], ["have", "have-too", "needs-nested"]),
            (["needs-if"], ["needs-if"]),
            (["needs-if", "trigger-user"], ["cond-target", "cond-trigger", "needs-if", "trigger-user"]),
            (["needs-if-else"], ["else-target", "needs-if-else"]),
        ]
        for (index, (request, expected)) in cases.enumerated() {
            let packages = try gathered(request)
            XCTAssertEqual(packages.map(\.name), expected, "\(request)")
            let subset = "\(directory)/subset-\(index)"
            try FileManager.default.createDirectory(atPath: subset, withIntermediateDirectories: true)
            for package in packages { try FileManager.default.linkItem(atPath: "\(directory)/src/\(package.location)", toPath: "\(subset)/\(package.fileName)") }
            try shell("createrepo_c -q \(subset)")
            let transaction = try shell("dnf --releasever 9 --forcearch x86_64 --setopt=reposdir=/dev/null --setopt=cachedir=\(directory)/dnf-cache-\(index) "
                + "--installroot \(directory)/dnf-root --repofrompath=s,file://\(subset) --repo=s --nogpgcheck "
                + "install --assumeno \(request.joined(separator: " ")) 2>&1 || true")
            XCTAssertTrue(transaction.contains("Dependencies resolved."), "dnf resolves \(request) from the gathered packages: \(transaction)")
        }
        XCTAssertThrowsError(try gathered(["needs-missing"])) { error in
            XCTAssertTrue("\(error)".contains("needs-missing-1.0-1.noarch requires (have and not-anywhere), nothing provides not-anywhere"), "\(error)")
        }
    }

    func testUnresolvableRequestsAreOneErrorAndNothingIsPublished() throws {
        try requireTools(["rpmbuild", "createrepo_c"])
        let directory = try temporaryDirectory(prefix: "goose-compose-")
        try buildRPM(directory, name: "lonely", requires: ["ghost >= 2", "phantom"])
        try shell("createrepo_c -q \(directory)/src")
        try "lonely\nnosuch # a comment\n".write(toFile: directory + "/packages.txt", atomically: true, encoding: .utf8)
        let workspace = directory + "/ws"
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)
        let result = try goose(["compose-iso", "--repo", directory + "/src", "--variant", "BaseOS", "--arch", "x86_64", "--release-name", "G",
                                "--release-short", "G", "--release-version", "1", "--packages", directory + "/packages.txt"],
                               workspace: workspace, expect: 3)
        XCTAssertTrue(result.stderr.contains("no package nosuch for x86_64"), result.stderr)
        XCTAssertTrue(result.stderr.contains("lonely-1.0-1.noarch requires ghost >= 2, nothing provides it"), result.stderr)
        XCTAssertTrue(result.stderr.contains("requires phantom"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace + "/composes"), [])

        let usage = try goose(["compose-iso", "--variant", "BaseOS", "--arch", "x86_64", "--release-name", "G", "--release-short", "G",
                               "--release-version", "1"], workspace: workspace, expect: 2)
        XCTAssertTrue(usage.stderr.contains("exactly one of --tag and --repo"), usage.stderr)
    }

    func testTreeOverADVDIsRefusedBeforeTheImageIsWritten() throws {
        try requireTools(["rpmbuild", "createrepo_c"])
        let directory = try temporaryDirectory(prefix: "goose-compose-")
        try buildRPM(directory, name: "small")
        try shell("createrepo_c -q \(directory)/src")
        // A sparse 4.7 GB install image: the tree is over the single-layer limit without using the disk.
        try shell("mkdir -p \(directory)/boot/images && truncate -s 4700000000 \(directory)/boot/images/install.img")
        let workspace = directory + "/ws"
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)
        let arguments = ["compose-iso", "--repo", directory + "/src", "--variant", "BaseOS", "--arch", "x86_64", "--release-name", "G",
                         "--release-short", "G", "--release-version", "1", "--boot", directory + "/boot"]
        let started = Date()
        let refused = try goose(arguments, workspace: workspace, expect: 3)
        XCTAssertTrue(refused.stderr.contains("BaseOS/x86_64/os needs 4700"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("more than a single-layer DVD holds (4700000000); use --dual-layer"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, "one line")
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "refused before 4.7 GB were hashed or written")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace + "/composes"), [], "no compose, no staging tree left")
    }

    func testBIOSBootEntryWithLibarchive() throws {
        try requireTools(["rpmbuild", "createrepo_c", "xorriso", "checkisomd5"])
        let directory = try temporaryDirectory(prefix: "goose-compose-")
        try buildRPM(directory, name: "kernel-ish", padding: 1_000_000)
        try shell("createrepo_c -q \(directory)/src")
        // A stand-in boot loader: El Torito only needs the file; libarchive patches its boot-info-table.
        try shell("mkdir -p \(directory)/boot/isolinux && head -c 24576 /dev/zero > \(directory)/boot/isolinux/isolinux.bin")
        let workspace = directory + "/ws"
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)
        let report = try json(goose(["compose-iso", "--repo", directory + "/src", "--variant", "BaseOS", "--arch", "x86_64", "--release-name", "G",
                                     "--release-short", "G", "--release-version", "1", "--boot", directory + "/boot", "--label", "G-1-BOOT", "--json"],
                                    workspace: workspace).stdout)
        let tree = try XCTUnwrap((report["trees"] as? [[String: Any]])?.first)
        XCTAssertEqual(tree["writer"] as? String, "libarchive+eltorito")
        let iso = try XCTUnwrap(tree["iso"] as? String)
        let boot = try shell("xorriso -indev \(iso) -report_el_torito plain 2>&1")
        XCTAssertTrue(boot.contains("El Torito boot img :   1  BIOS  y   none"), boot)
        XCTAssertTrue(boot.contains("/isolinux/isolinux.bin"), boot)
        XCTAssertTrue(try shell("checkisomd5 \(iso) 2>&1").contains("PASS"))
    }

    func testEFIImageSwitchesToXorrisoWithLoraxFlagsReproducibly() throws {
        try requireTools(["rpmbuild", "createrepo_c", "xorriso", "checkisomd5", "isoinfo"])
        let directory = try temporaryDirectory(prefix: "goose-compose-")
        try buildRPM(directory, name: "kernel-ish", padding: 1_000_000)
        try shell("createrepo_c -q \(directory)/src")
        // Stand-ins: xorriso only records the images; nothing boots them here.
        try shell("mkdir -p \(directory)/boot/isolinux \(directory)/boot/images/pxeboot && head -c 24576 /dev/zero > \(directory)/boot/isolinux/isolinux.bin"
            + " && head -c 1474560 /dev/zero > \(directory)/boot/images/efiboot.img && echo k > \(directory)/boot/images/pxeboot/vmlinuz")
        let workspace = directory + "/ws"
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)
        let arguments = ["compose-iso", "--repo", directory + "/src", "--variant", "BaseOS", "--arch", "x86_64", "--release-name", "G",
                         "--release-short", "G", "--release-version", "1", "--boot", directory + "/boot", "--json"]
        let report = try json(goose(arguments, workspace: workspace).stdout)
        let tree = try XCTUnwrap((report["trees"] as? [[String: Any]])?.first)
        XCTAssertEqual(tree["writer"] as? String, "xorriso")
        let iso = try XCTUnwrap(tree["iso"] as? String)
        let boot = try shell("xorriso -indev \(iso) -report_el_torito plain 2>&1")
        XCTAssertTrue(boot.contains("El Torito boot img :   1  BIOS  y   none"), boot)
        XCTAssertTrue(boot.contains("El Torito boot img :   2  UEFI  y   none"), boot)
        XCTAssertTrue(try shell("isoinfo -d -i \(iso)").contains("Volume id: G-1-x86_64-dvd"))
        XCTAssertTrue(try shell("checkisomd5 \(iso) 2>&1").contains("PASS"))
        let id = try XCTUnwrap(report["id"] as? String)
        let treeinfo = try String(contentsOfFile: "\(workspace)/composes/\(id)/compose/BaseOS/x86_64/os/.treeinfo", encoding: .utf8)
        XCTAssertTrue(treeinfo.contains("[images-x86_64]\nefiboot.img = images/efiboot.img\nkernel = images/pxeboot/vmlinuz\n"), treeinfo)
        XCTAssertTrue(treeinfo.contains("images/efiboot.img = sha256:"), treeinfo)

        Thread.sleep(forTimeInterval: 1.1)
        let second = try json(goose(arguments, workspace: workspace).stdout)
        let secondISO = try XCTUnwrap((second["trees"] as? [[String: Any]])?.first?["iso"] as? String)
        try shell("cmp \(iso) \(secondISO)")
    }

    func testRequireKeyNamesTheUnsignedPackage() throws {
        try requireTools(["createrepo_c"])
        let directory = try temporaryDirectory(prefix: "goose-compose-")
        try shell("mkdir -p \(directory)/src && cp \(GooseBinary.fixtures)/rpms/rpm-tests/foo-1.0-1.noarch.rpm \(directory)/src/ && createrepo_c -q \(directory)/src")
        let workspace = directory + "/ws"
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)
        let key = GooseBinary.fixtures + "/keys/rpm-tests/rpm.org-rsa-2048-test.pub"
        let refused = try goose(["compose-iso", "--repo", directory + "/src", "--variant", "BaseOS", "--arch", "x86_64", "--release-name", "G",
                                 "--release-short", "G", "--release-version", "1", "--require-key", key], workspace: workspace, expect: 4)
        XCTAssertTrue(refused.stderr.contains("foo-1.0-1.noarch.rpm: not signed by the required key"), refused.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace + "/composes"), [])
    }

    func testComposeFromAMashedTagWithExplicitId() throws {
        try requireTools(["rpmbuild", "createrepo_c", "xorriso"])
        let directory = try temporaryDirectory(prefix: "goose-compose-")
        try sourceRepository(directory)
        let workspace = directory + "/ws"
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)
        let rpms = try FileManager.default.contentsOfDirectory(atPath: directory + "/src").filter { $0.hasSuffix(".rpm") }.map { directory + "/src/" + $0 }
        try goose(["builds", "import"] + rpms, workspace: workspace)
        try goose(["tag", "create", "el9"], workspace: workspace)
        try goose(["tag", "add", "el9", "--from-builds"], workspace: workspace)
        try goose(["mash", "el9", "--arches", "x86_64"], workspace: workspace)
        try "tools\n".write(toFile: directory + "/list", atomically: true, encoding: .utf8)
        let report = try json(goose(["compose-iso", "--tag", "el9", "--variant", "BaseOS", "--arch", "x86_64", "--release-name", "Goose Linux",
                                     "--release-short", "GL", "--release-version", "9.4", "--packages", directory + "/list", "--id", "GL-9.4-test",
                                     "--json"], workspace: workspace, environment: ["SOURCE_DATE_EPOCH": "1700000000"]).stdout)
        XCTAssertEqual(report["id"] as? String, "GL-9.4-test")
        XCTAssertEqual(report["sourceDateEpoch"] as? Int, 1_700_000_000)
        let iso = try XCTUnwrap((report["trees"] as? [[String: Any]])?.first?["iso"] as? String)
        let listed = try shell("xorriso -indev \(iso) -find /Packages -type f 2>/dev/null").split(separator: "\n").map(String.init).sorted()
        // tools needs an mta: exim (shorter name) over postfix.
        XCTAssertEqual(listed, ["'/Packages/e/exim-1.0-1.noarch.rpm'", "'/Packages/t/tools-1.0-1.noarch.rpm'"])
        XCTAssertEqual(try String(contentsOfFile: "\(workspace)/composes/GL-9.4-test/COMPOSE_ID", encoding: .utf8), "GL-9.4-test\n")
        XCTAssertTrue(try String(contentsOfFile: "\(workspace)/composes/GL-9.4-test/compose/BaseOS/x86_64/os/.treeinfo", encoding: .utf8)
            .contains("build_timestamp = 1700000000"))
    }

    func testKillDuringComposeLeavesTheLatestComposeComplete() throws {
        try requireTools(["rpmbuild", "createrepo_c", "checkisomd5"])
        let directory = try temporaryDirectory(prefix: "goose-compose-")
        try sourceRepository(directory)
        let workspace = directory + "/ws"
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)
        let arguments = composeArguments(directory) + ["--workspace", workspace]
        let first = try json(goose(composeArguments(directory), workspace: workspace).stdout)
        let firstId = try XCTUnwrap(first["id"] as? String)
        for delay in [0.05, 0.2, 0.4] {
            let running = try GooseBinary.start(arguments)
            Thread.sleep(forTimeInterval: delay)
            running.kill()
            _ = running.wait()
            // latest names a complete compose: its ISO passes checkisomd5 and STATUS says FINISHED.
            let latest = try FileManager.default.destinationOfSymbolicLink(atPath: workspace + "/composes/latest-GL-9.4")
            XCTAssertEqual(try String(contentsOfFile: "\(workspace)/composes/\(latest)/STATUS", encoding: .utf8), "FINISHED\n")
            try shell("checkisomd5 \(workspace)/composes/\(latest)/compose/BaseOS/x86_64/iso/*.iso >/dev/null 2>&1")
        }
        // The next compose removes any leftover staging tree and publishes.
        let next = try json(goose(composeArguments(directory), workspace: workspace).stdout)
        XCTAssertNotEqual(next["id"] as? String, firstId)
        let names = try FileManager.default.contentsOfDirectory(atPath: workspace + "/composes")
        XCTAssertFalse(names.contains { $0.hasSuffix(".tmp") }, "\(names)")
    }
}
