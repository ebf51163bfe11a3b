import XCTest
@testable import GooseKit

final class SRPMImporterTests: XCTestCase {
    /// Builds a small SRPM with the real rpmbuild: a binary tarball, a text file and a patch.
    static func buildSRPM(in directory: String, name: String, version: String = "1.0", release: String = "1",
                          extraText: [String: String] = [:]) throws -> String {
        let top = directory + "/rpmbuild-\(name)-\(version)-\(release)"
        try FileSystem.createDirectory(top + "/SOURCES")
        try FileSystem.createDirectory(top + "/payload/\(name)-\(version)")
        FileManager.default.createFile(atPath: top + "/payload/\(name)-\(version)/README", contents: Data("release \(release)\n".utf8))
        try TestSupport.shell("tar czf SOURCES/\(name)-\(version).tar.gz -C payload .", in: top)
        var sources = "Source0: \(name)-\(version).tar.gz\nPatch0: fix.patch\n"
        try AtomicFileWriter.write("--- a/README\n+++ b/README\n@@ -1 +1 @@\n-x\n+y\n", to: top + "/SOURCES/fix.patch")
        for (index, (file, text)) in extraText.sorted(by: { $0.key < $1.key }).enumerated() {
            try AtomicFileWriter.write(text, to: top + "/SOURCES/" + file)
            sources += "Source\(index + 1): \(file)\n"
        }
        let spec = """
        Name: \(name)
        Version: \(version)
        Release: \(release)
        Summary: goose test package
        License: MIT
        BuildArch: noarch
        \(sources)
        %description
        A package made by goose's tests.

        %prep
        %build
        %install
        %files

        %changelog
        * Sat Nov 21 2026 goose <goose@localhost> - \(version)-\(release)
        - test

        """
        try AtomicFileWriter.write(spec, to: top + "/\(name).spec")
        try TestSupport.shell("rpmbuild -bs --nodeps --quiet --define '_topdir \(top)' --define '_sourcedir \(top)/SOURCES' --define '_srcrpmdir \(top)' \(name).spec >/dev/null", in: top)
        return top + "/\(name)-\(version)-\(release).src.rpm"
    }

    private func makeWorkspace(layout: ImportLayout = .fedora) throws -> (Workspace, String) {
        let directory = try TestSupport.temporaryDirectory(self)
        let workspace = try Workspace.initialize(at: directory + "/ws")
        return (workspace, directory)
    }

    private func importer(_ workspace: Workspace, layout: ImportLayout = .fedora, force: Bool = false) -> SRPMImporter {
        var options = ImportOptions(branch: "c9", layout: layout, maxGitTextSize: 1 << 20)
        options.force = force
        options.time = Date(timeIntervalSince1970: 1_700_000_000)
        return SRPMImporter(workspace: workspace, options: options)
    }

    private func git(_ workspace: Workspace, _ package: String, _ arguments: String) throws -> String {
        try TestSupport.shell("git --git-dir '\(workspace.gitRepositoryPath(package: package))' \(arguments)")
    }

    func testImportCommitsTextAndSendsBinaryToLookaside() throws {
        let (workspace, directory) = try makeWorkspace()
        let srpm = try Self.buildSRPM(in: directory, name: "demo", extraText: ["notes.txt": "hello\n"])
        let result = importer(workspace).importOne(srpm)
        XCTAssertEqual(result.status, .imported, result.error ?? "")
        XCTAssertEqual(result.tag, "imports/c9/demo-1.0-1")
        XCTAssertEqual(result.lookasideFiles, ["demo-1.0.tar.gz"])
        let files = try git(workspace, "demo", "ls-tree -r --name-only c9").split(separator: "\n").map(String.init)
        XCTAssertEqual(files.sorted(), [".gitignore", "demo.spec", "fix.patch", "notes.txt", "sources"])
        let sources = try git(workspace, "demo", "show c9:sources")
        let hash = try ContentDigest.hexDigest(ofFile: directory + "/rpmbuild-demo-1.0-1/SOURCES/demo-1.0.tar.gz", algorithm: .sha512)
        XCTAssertEqual(sources, "SHA512 (demo-1.0.tar.gz) = \(hash)\n")
        XCTAssertEqual(try git(workspace, "demo", "show c9:.gitignore"), "/demo-1.0.tar.gz\n")
        XCTAssertTrue(FileSystem.isRegularFile(workspace.lookasideDirectory + "/demo/demo-1.0.tar.gz/sha512/\(hash)/demo-1.0.tar.gz"))
        let message = try git(workspace, "demo", "log -1 --format=%B c9")
        XCTAssertTrue(message.hasPrefix("import demo-1.0-1\n"))
        let sha256 = try ContentDigest.hexDigest(ofFile: srpm, algorithm: .sha256)
        XCTAssertTrue(message.contains("Source-RPM-SHA256: \(sha256)"))
        XCTAssertEqual(try git(workspace, "demo", "cat-file -t imports/c9/demo-1.0-1").trimmingCharacters(in: .whitespacesAndNewlines), "tag")
        XCTAssertEqual(try git(workspace, "demo", "symbolic-ref HEAD").trimmingCharacters(in: .whitespacesAndNewlines), "refs/heads/c9")
        try git(workspace, "demo", "fsck --strict")
    }

    func testReimportIsANoOpAndOlderNVRIsRefused() throws {
        let (workspace, directory) = try makeWorkspace()
        let first = try Self.buildSRPM(in: directory, name: "demo", release: "2")
        let older = try Self.buildSRPM(in: directory, name: "demo", release: "1")
        XCTAssertEqual(importer(workspace).importOne(first).status, .imported)
        let head = try git(workspace, "demo", "rev-parse c9")
        XCTAssertEqual(importer(workspace).importOne(first).status, .alreadyImported)
        XCTAssertEqual(try git(workspace, "demo", "rev-parse c9"), head)
        let refused = importer(workspace).importOne(older)
        XCTAssertEqual(refused.status, .failed)
        XCTAssertTrue(refused.error?.contains("older than c9 head") == true, refused.error ?? "")
        XCTAssertEqual(try git(workspace, "demo", "rev-parse c9"), head)
        XCTAssertEqual(importer(workspace, force: true).importOne(older).status, .imported)
        XCTAssertEqual(try git(workspace, "demo", "rev-list --count c9").trimmingCharacters(in: .whitespacesAndNewlines), "2")
    }

    func testReimportRemovesDroppedFilesAndKeepsDistGitExtras() throws {
        let (workspace, directory) = try makeWorkspace()
        let first = try Self.buildSRPM(in: directory, name: "demo", version: "1.0", extraText: ["old.txt": "old\n"])
        let second = try Self.buildSRPM(in: directory, name: "demo", version: "1.1")
        XCTAssertEqual(importer(workspace).importOne(first).status, .imported)
        // A packager adds a README and tests in dist-git; the next import must keep them.
        let clone = directory + "/clone"
        try TestSupport.shell("git clone -q '\(workspace.gitRepositoryPath(package: "demo"))' '\(clone)' && cd '\(clone)' && mkdir -p tests && echo readme > README.md && echo t > tests/run.sh && git add . && git -c user.name=p -c user.email=p@x commit -qm extras && git push -q origin c9")
        XCTAssertEqual(importer(workspace).importOne(second).status, .imported)
        let files = try git(workspace, "demo", "ls-tree -r --name-only c9").split(separator: "\n").map(String.init).sorted()
        XCTAssertEqual(files, [".gitignore", "README.md", "demo.spec", "fix.patch", "sources", "tests/run.sh"])
        XCTAssertEqual(try git(workspace, "demo", "show c9:.gitignore"), "/demo-1.1.tar.gz\n")
    }

    func testCentOSLayout() throws {
        let (workspace, directory) = try makeWorkspace()
        let srpm = try Self.buildSRPM(in: directory, name: "demo")
        XCTAssertEqual(importer(workspace, layout: .centos).importOne(srpm).status, .imported)
        let files = try git(workspace, "demo", "ls-tree -r --name-only c9").split(separator: "\n").map(String.init).sorted()
        XCTAssertEqual(files, [".demo.metadata", ".gitignore", "SOURCES/fix.patch", "SPECS/demo.spec"])
        let hash = try ContentDigest.hexDigest(ofFile: directory + "/rpmbuild-demo-1.0-1/SOURCES/demo-1.0.tar.gz", algorithm: .sha512)
        XCTAssertEqual(try git(workspace, "demo", "show c9:.demo.metadata"), "\(hash) SOURCES/demo-1.0.tar.gz\n")
        XCTAssertEqual(try git(workspace, "demo", "show c9:.gitignore"), "/SOURCES/demo-1.0.tar.gz\n")
    }

    func testParallelImportOrdersVersionsOfOnePackage() async throws {
        let (workspace, directory) = try makeWorkspace()
        let paths = try ["3", "1", "2"].map { try Self.buildSRPM(in: directory, name: "demo", release: $0) }
            + [try Self.buildSRPM(in: directory, name: "other")]
        var options = ImportOptions(branch: "c9", layout: .fedora, maxGitTextSize: 1 << 20)
        options.jobs = 4
        let results = await SRPMImporter(workspace: workspace, options: options).importAll(paths)
        XCTAssertEqual(results.map(\.status), [.imported, .imported, .imported, .imported], results.compactMap(\.error).joined())
        XCTAssertEqual(results.map(\.file), paths)
        let subjects = try git(workspace, "demo", "log --format=%s c9").split(separator: "\n")
        XCTAssertEqual(subjects, ["import demo-1.0-3", "import demo-1.0-2", "import demo-1.0-1"])
    }

    func testFailuresLeaveTheWorkspaceUnchanged() throws {
        let (workspace, directory) = try makeWorkspace()
        let good = try Self.buildSRPM(in: directory, name: "demo")
        XCTAssertEqual(importer(workspace).importOne(good).status, .imported)
        let before = try snapshot(workspace)
        let original = try FileSystem.contents(of: good)
        let truncated = directory + "/truncated.src.rpm"
        FileManager.default.createFile(atPath: truncated, contents: original.prefix(original.count - 40))
        let garbage = directory + "/garbage.src.rpm"
        FileManager.default.createFile(atPath: garbage, contents: Data(repeating: 0x41, count: 4096))
        let binary = TestSupport.fixture("rpms/rpm-tests/hello-2.0-1.x86_64.rpm")
        let corrupted = TestSupport.fixture("rpms/rpm-tests/hello-2.0-1.x86_64-corrupted.rpm")
        for (path, expected) in [(truncated, "truncated.src.rpm: "), (garbage, "not an RPM package"), (binary, "is a binary RPM"), (corrupted, "hello-2.0-1.x86_64-corrupted.rpm: ")] {
            let result = importer(workspace).importOne(path)
            XCTAssertEqual(result.status, .failed, path)
            XCTAssertTrue(result.error?.contains(expected) == true, "\(path): \(result.error ?? "no error")")
            XCTAssertFalse(result.error?.contains("\n") == true)
            XCTAssertEqual(result.exitCode, 4)
        }
        XCTAssertEqual(try snapshot(workspace), before)
    }

    func testHostilePayloadsAreRefusedWithTheEntryNamed() throws {
        let (workspace, directory) = try makeWorkspace()
        XCTAssertEqual(importer(workspace).importOne(try Self.buildSRPM(in: directory, name: "demo")).status, .imported)
        let before = try snapshot(workspace)
        let generator = TestSupport.repositoryRoot + "/Tests/Fixtures/make-evil-rpm.py"
        let cases: [(arguments: String, entry: String)] = [
            ("--file ../escape.txt=pwned", "../escape.txt"),
            ("--file /abs/evil.txt=pwned", "/abs/evil.txt"),
            ("--file sub/../../x=pwned", "sub/../../x"),
            ("--symlink link=../../../../etc/passwd", "link"),
            ("--file ../outside=pwned --hardlink h=../outside", "../outside"),
        ]
        for (index, hostile) in cases.enumerated() {
            let path = directory + "/evil\(index).src.rpm"
            try TestSupport.shell("python3 '\(generator)' '\(path)' --name evil\(index) --version 1.0 --release 1 \(hostile.arguments)")
            // The fixture is a valid package by rpm's own check: only the payload names are hostile.
            XCTAssertTrue(try TestSupport.shell("rpm -K --nosignature '\(path)'").contains("digests OK"))
            let result = importer(workspace).importOne(path)
            XCTAssertEqual(result.status, .failed)
            XCTAssertTrue(result.error?.hasPrefix("\(path): unsafe payload entry '\(hostile.entry)'") == true, result.error ?? "no error")
            XCTAssertFalse(FileSystem.exists(workspace.gitRepositoryPath(package: "evil\(index)")))
        }
        XCTAssertFalse(FileSystem.exists(directory + "/escape.txt"))
        XCTAssertFalse(FileSystem.exists(workspace.root + "/.goose/escape.txt"))
        XCTAssertEqual(try snapshot(workspace), before)
    }

    func testVerifyKeyRequiresASignatureByThatKey() throws {
        let (workspace, directory) = try makeWorkspace()
        // A throwaway key and the real rpmsign make the signed SRPM.
        let home = directory + "/gnupg"
        try TestSupport.shell("mkdir -m 700 '\(home)' && GNUPGHOME='\(home)' gpg --batch --quiet --passphrase '' --quick-gen-key 'goose test <test@goose.invalid>' rsa2048 sign 1d 2>/dev/null && GNUPGHOME='\(home)' gpg --armor --export > '\(directory)/key.asc'")
        let signed = try Self.buildSRPM(in: directory, name: "signed")
        try TestSupport.shell("GNUPGHOME='\(home)' rpmsign --addsign --define '_gpg_name goose test' --define '__gpg /usr/bin/gpg' '\(signed)' >/dev/null 2>&1")
        let unsigned = try Self.buildSRPM(in: directory, name: "unsigned")
        var options = ImportOptions(branch: "c9", layout: .fedora, maxGitTextSize: 1 << 20)
        options.verifyKeyFiles = [directory + "/key.asc"]
        let verifying = SRPMImporter(workspace: workspace, options: options)
        XCTAssertEqual(verifying.importOne(signed).status, .imported)
        let refused = verifying.importOne(unsigned)
        XCTAssertEqual(refused.status, .failed)
        XCTAssertTrue(refused.error?.contains("not signed") == true, refused.error ?? "")
        options.verifyKeyFiles = [TestSupport.fixture("keys/rpm-tests/rpm.org-rsa-2048-test.pub")]
        let wrongKey = SRPMImporter(workspace: workspace, options: options).importOne(try Self.buildSRPM(in: directory, name: "signed", release: "2"))
        XCTAssertEqual(wrongKey.status, .failed)
        options.verifyKeyFiles = [directory + "/missing.asc"]
        let missingKey = SRPMImporter(workspace: workspace, options: options).importOne(signed)
        XCTAssertEqual(missingKey.error, "\(directory)/missing.asc: no such key file")
    }

    func testDebrandingMakesASecondCommitAndAFailingDirectiveCommitsNothing() throws {
        let (workspace, directory) = try makeWorkspace()
        let srpm = try Self.buildSRPM(in: directory, name: "demo", release: "3", extraText: ["vendor-logo.txt": "VENDOR\n"])
        let patches = workspace.patchesDirectory + "/demo"
        try FileSystem.createDirectory(patches + "/files")
        try AtomicFileWriter.write("GOOSE\n", to: patches + "/files/logo.txt")
        try AtomicFileWriter.write("""
        [[replace_file]]
        file = "vendor-logo.txt"
        with = "files/logo.txt"

        [[spec_changelog]]
        author = "goose"
        email = "goose@localhost"
        message = "Debrand"

        [release_bump]
        suffix = ".goose1"

        """, to: patches + "/debrand.toml")
        let result = importer(workspace).importOne(srpm)
        XCTAssertEqual(result.status, .imported, result.error ?? "")
        XCTAssertEqual(result.patchedTag, "patched/c9/demo-1.0-3.goose1")
        XCTAssertEqual(try git(workspace, "demo", "log --format=%s c9").split(separator: "\n"), ["debrand demo-1.0-3.goose1", "import demo-1.0-3"])
        XCTAssertEqual(try git(workspace, "demo", "show c9:vendor-logo.txt"), "GOOSE\n")
        XCTAssertEqual(try git(workspace, "demo", "show imports/c9/demo-1.0-3:vendor-logo.txt"), "VENDOR\n")
        let clone = directory + "/clone"
        try TestSupport.shell("git clone -q '\(workspace.gitRepositoryPath(package: "demo"))' '\(clone)'")
        XCTAssertEqual(try TestSupport.shell("rpmspec -q --srpm --qf '%{release}' demo.spec 2>/dev/null", in: clone), "3.goose1")

        // A directive that does not apply fails the import of that package, with nothing committed.
        try AtomicFileWriter.write("[[delete_file]]\nfile = \"no-such-file\"\n", to: patches + "/zz-broken.toml")
        let before = try snapshot(workspace)
        let failed = importer(workspace).importOne(try Self.buildSRPM(in: directory, name: "demo", release: "4"))
        XCTAssertEqual(failed.status, .failed)
        XCTAssertTrue(failed.error?.contains("delete_file") == true, failed.error ?? "")
        XCTAssertEqual(try snapshot(workspace), before)
    }

    /// Every file of the workspace except scratch and lock files, with its content hash.
    func snapshot(_ workspace: Workspace) throws -> [String: String] {
        var result: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: workspace.root)
        while let path = enumerator?.nextObject() as? String {
            if path.hasPrefix(".goose/") { continue }
            let full = workspace.root + "/" + path
            result[path] = FileSystem.isRegularFile(full) ? try ContentDigest.hexDigest(ofFile: full, algorithm: .sha256) : "dir"
        }
        return result
    }
}
