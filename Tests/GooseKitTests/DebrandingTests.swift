import Foundation
import XCTest
@testable import GooseKit

/// Patch sets applied to dist-git trees: files, git diffs, spec edits, failures, and the result checked with rpmspec.
final class DebrandingTests: XCTestCase {
    var temporary = ""
    /// `SOURCE_DATE_EPOCH` of the changelog entries: Wed Jan 03 2024 12:00 UTC.
    let date = Date(timeIntervalSince1970: 1_704_283_200)
    /// acl as Azure Linux 3.0 built it.
    let vendorEVR = EVR(version: "2.3.1", release: "2.azl3")
    let pngBytes = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x01])

    override func setUpWithError() throws {
        // Absolute and normalized, as PatchSet reports paths.
        temporary = FileSystem.absolute(try FileSystem.makeTemporaryDirectory(in: NSTemporaryDirectory(), prefix: "goose-debranding-"))
    }

    override func tearDown() {
        FileSystem.remove(temporary)
    }

    // MARK: Helpers

    func acl(_ layout: ImportLayout) throws -> DistGitTree {
        let spec = try FileSystem.contents(of: DebrandingFixtures.specs + "/azurelinux-3.0/acl/acl.spec")
        func place(_ name: String) -> String {
            DistGitTree.repositoryPath(forPayloadFile: name, isSpec: name.hasSuffix(".spec"), layout: layout)
        }
        var tree = DistGitTree(packageName: "acl", layout: layout, specPath: place("acl.spec"))
        tree.files[place("acl.spec")] = .init(content: .blob(spec))
        let tarball = LookasideObject(filename: "acl-2.3.1.tar.gz", sha512: String(repeating: "a", count: 128), size: 4, sourcePath: "/nonexistent/acl-2.3.1.tar.gz")
        tree.files[place("acl-2.3.1.tar.gz")] = .init(content: .lookaside(tarball))
        tree.files[place("vendor-branding.txt")] = .init(content: .blob(Data("Azure Linux\n".utf8)))
        tree.files[place("vendor.patch")] = .init(content: .blob(Data("--- a/x\n+++ b/x\n".utf8)))
        tree.files[place("fix-tests.sh")] = .init(content: .blob(Data("#!/bin/sh\necho one\necho two\necho three\n".utf8)), executable: true)
        tree.files[place("latest")] = .init(content: .symlink("fix-tests.sh"))
        return tree
    }

    /// A patch directory `<temporary>/patches/acl` holding the given files.
    @discardableResult
    func patchDirectory(_ files: [String: Data]) throws -> String {
        let directory = temporary + "/patches/acl"
        for (name, data) in files {
            let path = directory + "/" + name
            try FileSystem.createDirectory((path as NSString).deletingLastPathComponent)
            try data.write(to: URL(fileURLWithPath: path))
        }
        return directory
    }

    func text(_ string: String) -> Data { Data(string.utf8) }

    func repository() throws -> GitRepository {
        try GitRepository.createBare(temporary + "/scratch-\(UUID().uuidString).git")
    }

    func apply(_ layout: ImportLayout, context: PatchContext? = nil) throws -> (DistGitTree, PatchOutcome) {
        var tree = try acl(layout)
        let patchSet = try XCTUnwrap(try PatchSet.load(directory: temporary + "/patches/acl", package: "acl"))
        let outcome = try patchSet.apply(to: &tree, repository: try repository(), context: context ?? PatchContext(evr: vendorEVR, date: date))
        return (tree, outcome)
    }

    func blobText(_ tree: DistGitTree, _ path: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        guard case let .blob(data) = tree.files[path]?.content else {
            XCTFail("\(path) is not a blob: \(String(describing: tree.files[path]))", file: file, line: line)
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }

    @discardableResult
    func run(_ arguments: [String], in directory: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["HOME"] = temporary
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        exited.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GooseError.io(path: arguments.joined(separator: " "), reason: "exit \(process.terminationStatus): \(String(decoding: errorData, as: UTF8.self))")
        }
        return String(decoding: outputData, as: UTF8.self)
    }

    /// A real `git diff --cached` of a working copy holding the tree's git files, after `change` edits it.
    func gitDiff(of tree: DistGitTree, change: (String) throws -> Void) throws -> Data {
        let workingCopy = temporary + "/work-\(UUID().uuidString)"
        try FileSystem.createDirectory(workingCopy)
        try run(["git", "init", "-q"], in: workingCopy)
        for (path, file) in tree.files {
            let destination = workingCopy + "/" + path
            try FileSystem.createDirectory((destination as NSString).deletingLastPathComponent)
            switch file.content {
            case let .blob(data):
                try data.write(to: URL(fileURLWithPath: destination))
                if file.executable { chmod(destination, 0o755) }
            case let .symlink(target):
                try FileManager.default.createSymbolicLink(atPath: destination, withDestinationPath: target)
            case .lookaside:
                continue
            }
        }
        try run(["git", "add", "-A"], in: workingCopy)
        try run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base"], in: workingCopy)
        try change(workingCopy)
        try run(["git", "add", "-A"], in: workingCopy)
        return Data(try run(["git", "diff", "--cached"], in: workingCopy).utf8)
    }

    func assertPatchFailure(_ layout: ImportLayout = .fedora, directive: String, reason: String, file: StaticString = #filePath, line: UInt = #line) {
        var tree: DistGitTree
        do { tree = try acl(layout) } catch { return XCTFail("\(error)", file: file, line: line) }
        let before = tree.files
        XCTAssertThrowsError(try {
            let patchSet = try XCTUnwrap(try PatchSet.load(directory: self.temporary + "/patches/acl", package: "acl"))
            _ = try patchSet.apply(to: &tree, repository: try self.repository(), context: PatchContext(evr: self.vendorEVR, date: self.date))
        }(), file: file, line: line) { error in
            guard case let .patchDirective(package, failed, message) = error as? GooseError else {
                return XCTFail("not a directive failure: \(error)", file: file, line: line)
            }
            XCTAssertEqual(package, "acl", file: file, line: line)
            XCTAssertEqual(failed, directive, file: file, line: line)
            XCTAssertTrue(message.contains(reason), "'\(message)' does not mention '\(reason)'", file: file, line: line)
        }
        XCTAssertEqual(tree.files, before, "a failed patch set must leave the tree alone", file: file, line: line)
    }

    // MARK: Loading

    func testLoadReturnsNilWithoutDirectoryAndReadsFilesByName() throws {
        XCTAssertNil(try PatchSet.load(directory: temporary + "/patches/acl", package: "acl"))
        try patchDirectory([
            "20-late.toml": text("[[delete_file]]\nfile = \"b\"\n"),
            "10-early.toml": text("[[delete_file]]\nfile = \"a\"\n"),
            "notes.txt": text("not a directive file"),
        ])
        let patchSet = try XCTUnwrap(try PatchSet.load(directory: temporary + "/patches/acl", package: "acl"))
        XCTAssertEqual(patchSet.entries.map(\.label), ["delete_file \"a\" (10-early.toml)", "delete_file \"b\" (20-late.toml)"])
    }

    func testLoadRefusesUnknownKeysNamingKeyAndFile() throws {
        let directory = try patchDirectory(["debrand.toml": text("[[replace_file]]\nfile = \"a\"\nwith = \"b\"\nmode = \"0644\"\n")])
        XCTAssertThrowsError(try PatchSet.load(directory: directory, package: "acl")) { error in
            XCTAssertEqual(error as? GooseError, .configuration(file: directory + "/debrand.toml",
                                                                reason: "[[replace_file]] #1: unknown key 'mode' (allowed: file, with)"))
        }
    }

    func testLoadRefusesTwoReleaseBumps() throws {
        let directory = try patchDirectory([
            "a.toml": text("[release_bump]\nsuffix = \".a\"\n"),
            "b.toml": text("[release_bump]\nsuffix = \".b\"\n"),
        ])
        XCTAssertThrowsError(try PatchSet.load(directory: directory, package: "acl")) { error in
            XCTAssertEqual(error as? GooseError, .configuration(file: directory + "/b.toml", reason: "[release_bump] is already set in a.toml"))
        }
    }

    func testLoadRefusesDirectoryWithoutDirectives() throws {
        let directory = try patchDirectory(["README": text("nothing here")])
        XCTAssertThrowsError(try PatchSet.load(directory: directory, package: "acl"))
    }

    // MARK: File directives

    func testFileDirectivesInBothLayouts() throws {
        try patchDirectory([
            "debrand.toml": text("""
            [[replace_file]]
            file = "vendor-branding.txt"
            with = "branding.txt"

            [[delete_file]]
            file = "vendor.patch"

            [[add_file]]
            file = "goose.conf"
            from = "files/goose.conf"

            [[add_file]]
            file = "tests/smoke.sh"
            from = "files/smoke.sh"
            """),
            "branding.txt": text("Goose Linux\n"),
            "files/goose.conf": text("name = goose\n"),
            "files/smoke.sh": text("#!/bin/sh\ntrue\n"),
        ])
        chmod(temporary + "/patches/acl/files/smoke.sh", 0o755)
        for layout in [ImportLayout.fedora, .centos] {
            let sources = layout == .centos ? "SOURCES/" : ""
            let (tree, outcome) = try apply(layout)
            XCTAssertEqual(blobText(tree, sources + "vendor-branding.txt"), "Goose Linux\n", "\(layout)")
            XCTAssertNil(tree.files[sources + "vendor.patch"], "\(layout)")
            XCTAssertEqual(blobText(tree, sources + "goose.conf"), "name = goose\n", "\(layout)")
            XCTAssertEqual(tree.files[sources + "goose.conf"]?.executable, false)
            XCTAssertEqual(blobText(tree, "tests/smoke.sh"), "#!/bin/sh\ntrue\n", "\(layout)")
            XCTAssertEqual(tree.files["tests/smoke.sh"]?.executable, true)
            XCTAssertEqual(tree.files.count, 7, "\(layout): \(tree.files.keys.sorted())")
            XCTAssertEqual(outcome, PatchOutcome(newRelease: nil, appliedDirectives: [
                "replace_file \"vendor-branding.txt\" (debrand.toml)",
                "delete_file \"vendor.patch\" (debrand.toml)",
                "add_file \"goose.conf\" (debrand.toml)",
                "add_file \"tests/smoke.sh\" (debrand.toml)",
            ]))
        }
    }

    func testReplaceByRepositoryPathInCentOSLayout() throws {
        try patchDirectory([
            "debrand.toml": text("[[replace_file]]\nfile = \"SOURCES/vendor-branding.txt\"\nwith = \"branding.txt\"\n"),
            "branding.txt": text("Goose Linux\n"),
        ])
        let (tree, _) = try apply(.centos)
        XCTAssertEqual(blobText(tree, "SOURCES/vendor-branding.txt"), "Goose Linux\n")
    }

    func testBinaryReplacementGoesToLookaside() throws {
        let directory = try patchDirectory([
            "debrand.toml": text("""
            [[replace_file]]
            file = "vendor-branding.txt"
            with = "art/logo.png"

            [[add_file]]
            file = "watermark.png"
            from = "art/logo.png"
            """),
            "art/logo.png": pngBytes,
        ])
        for layout in [ImportLayout.fedora, .centos] {
            let sources = layout == .centos ? "SOURCES/" : ""
            let (tree, _) = try apply(layout)
            let sha512 = ContentDigest.hexDigest(of: pngBytes, algorithm: .sha512)
            XCTAssertEqual(tree.files[sources + "vendor-branding.txt"]?.content,
                           .lookaside(LookasideObject(filename: "vendor-branding.txt", sha512: sha512, size: Int64(pngBytes.count),
                                                      sourcePath: directory + "/art/logo.png")))
            XCTAssertEqual(tree.files[sources + "watermark.png"]?.content,
                           .lookaside(LookasideObject(filename: "watermark.png", sha512: sha512, size: Int64(pngBytes.count),
                                                      sourcePath: directory + "/art/logo.png")))
            XCTAssertTrue(tree.renderedIndex().contains(sha512))
        }
    }

    // MARK: apply_patch

    func testApplyPatchWithRealGitDiffInBothLayouts() throws {
        for layout in [ImportLayout.fedora, .centos] {
            let sources = layout == .centos ? "SOURCES/" : ""
            let original = try acl(layout)
            let diff = try gitDiff(of: original) { workingCopy in
                try Data("#!/bin/sh\necho one\necho TWO\necho three\n".utf8).write(to: URL(fileURLWithPath: workingCopy + "/" + sources + "fix-tests.sh"))
                try FileManager.default.removeItem(atPath: workingCopy + "/" + sources + "vendor.patch")
                try FileSystem.createDirectory(workingCopy + "/tests")
                try Data("added by diff\n".utf8).write(to: URL(fileURLWithPath: workingCopy + "/tests/README"))
            }
            XCTAssertTrue(String(decoding: diff, as: UTF8.self).hasPrefix("diff --git a/"))
            FileSystem.remove(temporary + "/patches")
            try patchDirectory(["debrand.toml": text("[[apply_patch]]\nfile = \"fix.diff\"\n"), "fix.diff": diff])
            let (tree, outcome) = try apply(layout)
            XCTAssertEqual(blobText(tree, sources + "fix-tests.sh"), "#!/bin/sh\necho one\necho TWO\necho three\n", "\(layout)")
            XCTAssertEqual(tree.files[sources + "fix-tests.sh"]?.executable, true, "\(layout)")
            XCTAssertNil(tree.files[sources + "vendor.patch"], "\(layout)")
            XCTAssertEqual(blobText(tree, "tests/README"), "added by diff\n", "\(layout)")
            // Untouched files keep their kind: the lookaside tarball, the symlink, the spec.
            XCTAssertEqual(tree.files[sources + "acl-2.3.1.tar.gz"], original.files[sources + "acl-2.3.1.tar.gz"])
            XCTAssertEqual(tree.files[sources + "latest"], .init(content: .symlink("fix-tests.sh")))
            XCTAssertEqual(tree.files[tree.specPath], original.files[original.specPath])
            XCTAssertEqual(outcome.appliedDirectives, ["apply_patch \"fix.diff\" (debrand.toml)"])
        }
    }

    func testApplyPatchThatDoesNotApplyFails() throws {
        var changed = try acl(.fedora)
        changed.files["fix-tests.sh"] = .init(content: .blob(Data("#!/bin/sh\necho something else\n".utf8)), executable: true)
        let diff = try gitDiff(of: changed) { workingCopy in
            try Data("#!/bin/sh\necho patched\n".utf8).write(to: URL(fileURLWithPath: workingCopy + "/fix-tests.sh"))
        }
        try patchDirectory(["debrand.toml": text("[[apply_patch]]\nfile = \"fix.diff\"\n"), "fix.diff": diff])
        assertPatchFailure(directive: "apply_patch \"fix.diff\" (debrand.toml)", reason: "'fix.diff' does not apply")
    }

    func testApplyPatchOnLookasideFileFails() throws {
        let diff = """
        diff --git a/acl-2.3.1.tar.gz b/acl-2.3.1.tar.gz
        index 1111111..2222222 100644
        --- a/acl-2.3.1.tar.gz
        +++ b/acl-2.3.1.tar.gz
        @@ -1 +1 @@
        -old
        +new

        """
        try patchDirectory(["debrand.toml": text("[[apply_patch]]\nfile = \"tarball.diff\"\n"), "tarball.diff": text(diff)])
        assertPatchFailure(directive: "apply_patch \"tarball.diff\" (debrand.toml)", reason: "kept in the lookaside")
    }

    // MARK: Order and failures

    func testDirectivesRunInFixedOrderWhateverTheFileOrder() throws {
        // 10-spec.toml lists the late directives first; 20-files.toml the early ones. The patch edits
        // a file that only exists after add_file, and the search runs before the bump would change the match.
        let addedFile = "GOOSE\n"
        let sources = ""
        var withAdded = try acl(.fedora)
        withAdded.files[sources + "goose.txt"] = .init(content: .blob(Data(addedFile.utf8)))
        let diff = try gitDiff(of: withAdded) { workingCopy in
            try Data("GOOSE LINUX\n".utf8).write(to: URL(fileURLWithPath: workingCopy + "/goose.txt"))
        }
        try patchDirectory([
            "10-spec.toml": text("""
            [release_bump]
            suffix = ".goose1"

            [[spec_changelog]]
            author = "Goose Builder"
            email = "builder@goose.example"
            message = "Debrand"

            [[spec_search_and_replace]]
            find = "2"
            replace = "4"
            field = "Release"

            [[apply_patch]]
            file = "goose.diff"
            """),
            "20-files.toml": text("""
            [[add_file]]
            file = "goose.txt"
            from = "goose.txt"

            [[delete_file]]
            file = "vendor-branding.txt"

            [[replace_file]]
            file = "vendor-branding.txt"
            with = "goose.txt"
            """),
            "goose.txt": text(addedFile),
            "goose.diff": diff,
        ])
        let (tree, outcome) = try apply(.fedora)
        XCTAssertEqual(outcome.appliedDirectives, [
            "replace_file \"vendor-branding.txt\" (20-files.toml)",
            "delete_file \"vendor-branding.txt\" (20-files.toml)",
            "add_file \"goose.txt\" (20-files.toml)",
            "apply_patch \"goose.diff\" (10-spec.toml)",
            "spec_search_and_replace \"2\" (10-spec.toml)",
            "spec_changelog \"Goose Builder\" (10-spec.toml)",
            "release_bump \".goose1\" (10-spec.toml)",
        ])
        XCTAssertNil(tree.files["vendor-branding.txt"])
        XCTAssertEqual(blobText(tree, "goose.txt"), "GOOSE LINUX\n")
        XCTAssertEqual(outcome.newRelease, "4.goose1.azl3")
        let spec = try XCTUnwrap(tree.specText)
        XCTAssertEqual(SpecText.tagValue(spec, name: "Release"), "4.goose1%{?dist}")
        XCTAssertTrue(spec.contains("%changelog\n* Wed Jan 03 2024 Goose Builder <builder@goose.example> - 2.3.1-4.goose1.azl3\n- Debrand\n\n* Wed Sep 20 2023"))
    }

    func testEveryFailureIsCollectedAndTheFirstNamed() throws {
        try patchDirectory([
            "debrand.toml": text("""
            [[spec_search_and_replace]]
            find = "Red Hat"
            replace = "Goose"

            [[delete_file]]
            file = "missing.patch"

            [[add_file]]
            file = "vendor.patch"
            from = "goose.txt"

            [[replace_file]]
            file = "vendor-branding.txt"
            with = "goose.txt"
            """),
            "goose.txt": text("goose\n"),
        ])
        for layout in [ImportLayout.fedora, .centos] {
            assertPatchFailure(layout, directive: "delete_file \"missing.patch\" (debrand.toml)",
                               reason: "'missing.patch' is not in the tree (3 of 4 directives failed; add_file \"vendor.patch\" (debrand.toml): ")
            assertPatchFailure(layout, directive: "delete_file \"missing.patch\" (debrand.toml)",
                               reason: "spec_search_and_replace \"Red Hat\" (debrand.toml): no match for 'Red Hat' in the spec)")
        }
    }

    func testMissingTargetsFail() throws {
        try patchDirectory(["debrand.toml": text("[[replace_file]]\nfile = \"nothing.txt\"\nwith = \"goose.txt\"\n"), "goose.txt": text("x")])
        assertPatchFailure(directive: "replace_file \"nothing.txt\" (debrand.toml)", reason: "'nothing.txt' is not in the tree")
        FileSystem.remove(temporary + "/patches")
        try patchDirectory(["debrand.toml": text("[[replace_file]]\nfile = \"vendor.patch\"\nwith = \"absent.patch\"\n")])
        assertPatchFailure(.centos, directive: "replace_file \"vendor.patch\" (debrand.toml)", reason: "'absent.patch' does not exist")
    }

    func testAddingAnExistingOrGeneratedFileFails() throws {
        try patchDirectory(["debrand.toml": text("[[add_file]]\nfile = \"vendor.patch\"\nfrom = \"goose.txt\"\n"), "goose.txt": text("x")])
        assertPatchFailure(.centos, directive: "add_file \"vendor.patch\" (debrand.toml)", reason: "'SOURCES/vendor.patch' is already in the tree")
        FileSystem.remove(temporary + "/patches")
        try patchDirectory(["debrand.toml": text("[[add_file]]\nfile = \"sources\"\nfrom = \"goose.txt\"\n"), "goose.txt": text("x")])
        assertPatchFailure(directive: "add_file \"sources\" (debrand.toml)", reason: "generated")
    }

    func testSymlinkLeavingThePatchDirectoryFails() throws {
        let outside = temporary + "/outside.txt"
        try Data("secret\n".utf8).write(to: URL(fileURLWithPath: outside))
        let directory = try patchDirectory(["debrand.toml": text("[[replace_file]]\nfile = \"vendor-branding.txt\"\nwith = \"escape.txt\"\n")])
        try FileManager.default.createSymbolicLink(atPath: directory + "/escape.txt", withDestinationPath: outside)
        assertPatchFailure(directive: "replace_file \"vendor-branding.txt\" (debrand.toml)", reason: "outside the patch directory")
    }

    func testDeletingTheSpecFails() throws {
        try patchDirectory(["debrand.toml": text("[[delete_file]]\nfile = \"acl.spec\"\n")])
        assertPatchFailure(.centos, directive: "delete_file \"acl.spec\" (debrand.toml)", reason: "'SPECS/acl.spec' is the spec file")
    }

    func testReleaseBumpThatCannotBeWorkedOutFails() throws {
        try patchDirectory(["debrand.toml": text("[release_bump]\nsuffix = \".goose1\"\n")])
        var tree = try acl(.fedora)
        let patchSet = try XCTUnwrap(try PatchSet.load(directory: temporary + "/patches/acl", package: "acl"))
        // The header release does not start with the spec's literal release: the macros came from elsewhere.
        let mismatched = PatchContext(evr: EVR(version: "2.3.1", release: "7.azl3"), date: date)
        XCTAssertThrowsError(try patchSet.apply(to: &tree, repository: try repository(), context: mismatched)) { error in
            guard case let .patchDirective(_, directive, reason) = error as? GooseError else { return XCTFail("\(error)") }
            XCTAssertEqual(directive, "release_bump \".goose1\" (debrand.toml)")
            XCTAssertTrue(reason.contains("cannot tell which release"), reason)
        }
        let withDist = PatchContext(evr: EVR(version: "2.3.1", release: "7.azl3"), date: date, distTag: ".azl3")
        // With the vendor's dist tag the header release is taken at its word.
        XCTAssertEqual(try patchSet.apply(to: &tree, repository: try repository(), context: withDist).newRelease, "7.goose1.azl3")
    }

    func testReleaseBumpWithoutReleaseTagFails() throws {
        try patchDirectory([
            "debrand.toml": text("[[replace_file]]\nfile = \"acl.spec\"\nwith = \"acl.spec\"\n\n[release_bump]\nsuffix = \".goose1\"\n"),
            "acl.spec": text("Name: acl\nVersion: 2.3.1\n"),
        ])
        assertPatchFailure(.centos, directive: "release_bump \".goose1\" (debrand.toml)", reason: "the spec has no Release: tag (1 of 2 directives failed)")
    }

    // MARK: The real spec, checked with rpmspec

    func testChangelogAndReleaseBumpOnRealSpecParseWithRpmspec() throws {
        try patchDirectory([
            "debrand.toml": text("""
            [[spec_search_and_replace]]
            find = "^(Vendor|Distribution):(\\\\s+).*$"
            replace = "$1:$2Goose Project"
            regex = true

            [[spec_changelog]]
            author = "Goose Builder"
            email = "builder@goose.example"
            message = ["Debrand for Goose", "Set Vendor and Distribution to 100% Goose"]

            [release_bump]
            suffix = ".goose1"
            """),
        ])
        for layout in [ImportLayout.fedora, .centos] {
            let (tree, outcome) = try apply(layout)
            XCTAssertEqual(outcome.newRelease, "2.goose1.azl3")
            let spec = try XCTUnwrap(tree.specText)
            XCTAssertTrue(spec.contains("\nVendor:         Goose Project\nDistribution:   Goose Project\n"))
            XCTAssertTrue(spec.contains("\nRelease:        2.goose1%{?dist}\n"))

            let specFile = temporary + "/acl-\(layout).spec"
            try Data(spec.utf8).write(to: URL(fileURLWithPath: specFile))
            let parsed = try run(["rpmspec", "-P", "--define", "dist .azl3", specFile], in: temporary)
            XCTAssertTrue(parsed.contains("Release:        2.goose1.azl3\n"), parsed)
            XCTAssertTrue(parsed.contains("""
            %changelog
            * Wed Jan 03 2024 Goose Builder <builder@goose.example> - 2.3.1-2.goose1.azl3
            - Debrand for Goose
            - Set Vendor and Distribution to 100% Goose

            * Wed Sep 20 2023 Jon Slobodzian
            """), parsed)
            // The release rpm itself computes is the one goose names the patched NVR with.
            let release = try run(["rpmspec", "-q", "--srpm", "--define", "dist .azl3", "--queryformat", "%{release}\n", specFile], in: temporary)
            XCTAssertEqual(release, outcome.newRelease.map { $0 + "\n" })
            let changelog = try run(["rpmspec", "-q", "--srpm", "--define", "dist .azl3", "--queryformat",
                                     "%{changelogtime:day} %{changelogname}\n%{changelogtext}\n", specFile], in: temporary)
            XCTAssertEqual(changelog, """
            Wed Jan 03 2024 Goose Builder <builder@goose.example> - 2.3.1-2.goose1.azl3
            - Debrand for Goose
            - Set Vendor and Distribution to 100% Goose

            """)
        }
    }
}
