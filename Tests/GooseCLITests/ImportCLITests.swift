import Foundation
import XCTest

/// End-to-end tests of `goose import-srpm`, checked with git, rpmbuild, rpm and rpm2archive.
final class ImportCLITests: XCTestCase {
    @discardableResult
    private func shell(_ command: String, in directory: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try GooseBinary.runProgram("/bin/sh", ["-c", command], in: directory)
        XCTAssertEqual(result.status, 0, "\(command) failed: \(result.stderr)", file: file, line: line)
        return result.stdout
    }

    private func goose(_ arguments: [String], in directory: String? = nil, input: String? = nil) throws -> GooseBinary.Output {
        try GooseBinary.run(arguments, in: directory, standardInput: input)
    }

    private func makeWorkspace(_ parent: String, name: String = "ws") throws -> String {
        let path = parent + "/" + name
        let result = try goose(["init", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return path
    }

    private func jsonRecords(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    /// All fixture SRPMs; the v4 and v6 rpm-basic share an NVR, so v4 goes to a workspace of its own.
    private var fixtureSRPMs: (main: [String], separate: [String]) {
        let root = GooseBinary.fixtures + "/srpms"
        let all = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".src.rpm") || $0.hasSuffix(".nosrc.rpm") }.sorted().map { root + "/" + $0 }
        return (all.filter { !$0.contains("/rpm-rs/v4/") }, all.filter { $0.contains("/rpm-rs/v4/") })
    }

    func testRoundTripOfEveryFixtureSRPM() throws {
        let directory = try temporaryDirectory()
        let (main, separate) = fixtureSRPMs
        XCTAssertGreaterThan(main.count, 30)
        for (name, srpms) in [("main", main), ("v4", separate)] {
            let workspace = try makeWorkspace(directory, name: name)
            let result = try goose(["import-srpm", "--workspace", workspace, "--json", "--jobs", "2"] + srpms)
            XCTAssertEqual(result.status, 0, result.stderr)
            let records = try jsonRecords(result.stdout)
            XCTAssertEqual(records.count, srpms.count)
            for record in records { XCTAssertEqual(record["status"] as? String, "imported", "\(record)") }
            for (index, srpm) in srpms.enumerated() {
                try assertRoundTrip(srpm, workspace: workspace, work: directory + "/rt-\(name)-\(index)")
            }
        }
    }

    /// Clones the import with git, fetches its lookaside files with goose, rebuilds the SRPM with rpmbuild -bs
    /// and compares NEVR and payload with the original.
    private func assertRoundTrip(_ srpm: String, workspace: String, work: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let query = "%{NAME}-%{EPOCHNUM}:%{VERSION}-%{RELEASE}"
        let name = try shell("rpm -qp --qf '%{NAME}' '\(srpm)' 2>/dev/null")
        let checkout = work + "/" + name
        try shell("git clone -q '\(workspace)/git/\(name).git' '\(checkout)'")
        let fetch = try goose(["lookaside", "fetch", "--workspace", workspace], in: checkout)
        XCTAssertEqual(fetch.status, 0, "\(srpm): \(fetch.stderr)", file: file, line: line)
        let spec = try shell("rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS}\\n]' '\(srpm)' 2>/dev/null | awk '$2 == 32 { print $1 }'")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkout + "/" + spec), "\(srpm): spec \(spec) not in the checkout", file: file, line: line)
        // %{?dist} was defined where the vendor built it: recover it from the release.
        let release = try shell("rpm -qp --qf '%{RELEASE}' '\(srpm)' 2>/dev/null")
        let bare = try shell("rpmspec -q --srpm --qf '%{RELEASE}' --define '_invalid_encoding_terminates_build 0' --define '_sourcedir \(checkout)' '\(checkout)/\(spec)' 2>/dev/null")
        var defines = "--define '_sourcedir \(checkout)' --define '_specdir \(checkout)' --define '_srcrpmdir \(work)/out' --define '_invalid_encoding_terminates_build 0'"
        if release != bare, release.hasPrefix(bare) { defines += " --define 'dist \(release.dropFirst(bare.count))'" }
        var build = try GooseBinary.runProgram("/bin/sh", ["-c", "rpmbuild -bs --nodeps \(defines) '\(spec)'"], in: checkout)
        // A NoSource package never carried its big tarballs: stand-ins let rpmbuild -bs run.
        var attempts = 0
        while build.status != 0, srpm.hasSuffix(".nosrc.rpm"), attempts < 5,
              let missing = build.stderr.split(separator: "\n").first(where: { $0.contains("Bad file:") }) {
            let path = missing.components(separatedBy: "Bad file: ")[1].components(separatedBy: ": No such file")[0]
            FileManager.default.createFile(atPath: path, contents: Data())
            build = try GooseBinary.runProgram("/bin/sh", ["-c", "rpmbuild -bs --nodeps \(defines) '\(spec)'"], in: checkout)
            attempts += 1
        }
        XCTAssertEqual(build.status, 0, "\(srpm): rpmbuild -bs failed: \(build.stderr)", file: file, line: line)
        guard build.status == 0 else { return }
        let rebuilt = try shell("ls '\(work)/out'/*.rpm").trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try shell("rpm -qp --qf '\(query)' '\(rebuilt)' 2>/dev/null"), try shell("rpm -qp --qf '\(query)' '\(srpm)' 2>/dev/null"),
                       "\(srpm): NEVR differs", file: file, line: line)
        try shell("mkdir -p '\(work)/original' '\(work)/rebuilt' && cd '\(work)/original' && rpm2archive -n < '\(srpm)' | tar xf - && cd '\(work)/rebuilt' && rpm2archive -n < '\(rebuilt)' | tar xf -")
        let difference = try GooseBinary.runProgram("/usr/bin/diff", ["-r", work + "/original", work + "/rebuilt"])
        XCTAssertEqual(difference.status, 0, "\(srpm): payload differs after the round trip:\n\(difference.stdout)", file: file, line: line)
    }

    func testGitCLIReadsTheImportedRepository() throws {
        let directory = try temporaryDirectory()
        let workspace = try makeWorkspace(directory)
        let srpm = GooseBinary.fixtures + "/srpms/git-buildpackage/gbp-test2-3.0-0.src.rpm"
        XCTAssertEqual(try goose(["import-srpm", "--workspace", workspace, srpm]).status, 0)
        let repository = workspace + "/git/gbp-test2.git"
        try shell("git --git-dir '\(repository)' fsck --strict")
        let log = try shell("git --git-dir '\(repository)' log --format='%s%n%b' c9")
        XCTAssertTrue(log.hasPrefix("import gbp-test2-3.0-0\n"), log)
        XCTAssertTrue(log.contains("Source-RPM-EVR: 2:3.0-0"), log)
        let show = try shell("git --git-dir '\(repository)' show --stat imports/c9/gbp-test2-3.0-0")
        XCTAssertTrue(show.contains("tag imports/c9/gbp-test2-3.0-0"), show)
        XCTAssertTrue(show.contains("gbp-test2.spec"), show)
        XCTAssertTrue(try shell("git --git-dir '\(repository)' show c9:sources").contains("SHA512 (gbp-test2-3.0.tar.gz) = "))
    }

    func testBadInputsFailClearlyAndLeaveTheWorkspaceUnchanged() throws {
        let directory = try temporaryDirectory()
        let workspace = try makeWorkspace(directory)
        let good = GooseBinary.fixtures + "/srpms/rpm-tests/hello-1.0-1.src.rpm"
        XCTAssertEqual(try goose(["import-srpm", "--workspace", workspace, good]).status, 0)
        let before = try shell("cd '\(workspace)' && find . -path ./.goose -prune -o -type f -print0 | sort -z | xargs -0 sha256sum")

        let original = try Data(contentsOf: URL(fileURLWithPath: GooseBinary.fixtures + "/srpms/git-buildpackage/gbp-test-1.0-1.src.rpm"))
        let truncated = directory + "/truncated-1.0-1.src.rpm"
        FileManager.default.createFile(atPath: truncated, contents: original.prefix(original.count - 100))
        let wrongMagic = directory + "/wrong-magic.src.rpm"
        FileManager.default.createFile(atPath: wrongMagic, contents: Data("#!/bin/sh\necho not an rpm\n".utf8))
        let binary = GooseBinary.fixtures + "/rpms/rpm-tests/hello-2.0-1.x86_64.rpm"
        let traversal = directory + "/traversal-1.0-1.src.rpm"
        try shell("python3 '\(GooseBinary.repositoryRoot)/Tests/Fixtures/make-evil-rpm.py' '\(traversal)' --name traversal --file ../../escape.txt=pwned")
        let result = try goose(["import-srpm", "--workspace", workspace, truncated, wrongMagic, binary, traversal])
        XCTAssertEqual(result.status, 4, result.stderr)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, result.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("goose: \(truncated): digest or signature check failed: ") }, result.stderr)
        XCTAssertTrue(lines.contains("goose: \(wrongMagic): not an RPM package (bad lead magic)"), result.stderr)
        XCTAssertTrue(lines.contains("goose: \(binary): is a binary RPM (hello-2.0-1.x86_64), not a source package"), result.stderr)
        XCTAssertTrue(lines.contains("goose: \(traversal): unsafe payload entry '../../escape.txt': path contains '..'"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/escape.txt"))
        let after = try shell("cd '\(workspace)' && find . -path ./.goose -prune -o -type f -print0 | sort -z | xargs -0 sha256sum")
        XCTAssertEqual(after, before)
    }

    func testInputsFromStandardInputAndDirectoriesWithJSON() throws {
        let directory = try temporaryDirectory()
        let workspace = try makeWorkspace(directory)
        let mock = GooseBinary.fixtures + "/srpms/mock"
        let list = ["test-A-1.1-0.src.rpm", "test-B-1.1-0.src.rpm"].map { mock + "/" + $0 }.joined(separator: "\n") + "\n"
        let fromStandardInput = try goose(["import-srpm", "--workspace", workspace, "--json", "-"], input: list)
        XCTAssertEqual(fromStandardInput.status, 0, fromStandardInput.stderr)
        let first = try jsonRecords(fromStandardInput.stdout)
        XCTAssertEqual(first.map { $0["nvr"] as? String }, ["test-A-1.1-0", "test-B-1.1-0"])
        XCTAssertEqual(first.first?["tag"] as? String, "imports/c9/test-A-1.1-0")
        XCTAssertEqual((first.first?["commit"] as? String)?.count, 40)
        let fromDirectory = try goose(["import-srpm", "--workspace", workspace, "--json", mock])
        XCTAssertEqual(fromDirectory.status, 0, fromDirectory.stderr)
        let statuses = try jsonRecords(fromDirectory.stdout).map { "\($0["nvr"] as? String ?? "?") \($0["status"] as? String ?? "?")" }
        XCTAssertEqual(statuses, ["test-A-1.1-0 already-imported", "test-B-1.1-0 already-imported", "test-C-1.1-0 imported",
                                  "test-D-1.1-0 imported", "test-E-1.1-0 imported", "test-F-0-1.fc33 imported"])
    }

    func testConcurrentRunsOnOneWorkspaceImportEachSRPMOnce() throws {
        let directory = try temporaryDirectory()
        let workspace = try makeWorkspace(directory)
        let srpms = fixtureSRPMs.main
        let processes = try (0..<2).map { _ in try GooseBinary.start(["import-srpm", "--workspace", workspace, "--json", "--jobs", "2"] + srpms) }
        let outputs = processes.map { $0.wait() }
        for output in outputs { XCTAssertEqual(output.status, 0, output.stderr) }
        let records = try outputs.flatMap { try jsonRecords($0.stdout) }
        let imported = records.filter { $0["status"] as? String != "already-imported" }.compactMap { $0["nvr"] as? String }
        XCTAssertEqual(imported.count, srpms.count, "each SRPM is imported by exactly one run")
        XCTAssertEqual(Set(imported).count, srpms.count)
        for repository in try FileManager.default.contentsOfDirectory(atPath: workspace + "/git") {
            try shell("git --git-dir '\(workspace)/git/\(repository)' fsck --strict 2>&1")
            XCTAssertEqual(try shell("git --git-dir '\(workspace)/git/\(repository)' rev-list --count c9").trimmingCharacters(in: .whitespacesAndNewlines), "1")
        }
    }

    func testKilledImportLeavesConsistentStateAndResumes() throws {
        let directory = try temporaryDirectory()
        let workspace = try makeWorkspace(directory)
        let reference = try makeWorkspace(directory, name: "reference")
        let srpms = fixtureSRPMs.main
        XCTAssertEqual(try goose(["import-srpm", "--workspace", reference, "--quiet"] + srpms).status, 0)
        for delay in [0.05, 0.15] {
            let process = try GooseBinary.start(["import-srpm", "--workspace", workspace, "--quiet", "--jobs", "2"] + srpms)
            Thread.sleep(forTimeInterval: delay)
            process.kill()
            _ = process.wait()
            // Whatever was published is whole: every repository is sound and its lookaside files exist.
            for repository in (try? FileManager.default.contentsOfDirectory(atPath: workspace + "/git")) ?? [] {
                XCTAssertFalse(repository.hasPrefix("."), "a half-made repository was published: \(repository)")
                try shell("git --git-dir '\(workspace)/git/\(repository)' fsck --strict 2>&1")
                let name = String(repository.dropLast(4))
                let sources = try GooseBinary.runProgram("/usr/bin/git", ["--git-dir", "\(workspace)/git/\(repository)", "show", "c9:sources"])
                for line in sources.stdout.split(separator: "\n") where sources.status == 0 {
                    let parts = line.components(separatedBy: ") = ")
                    let file = String(parts[0].dropFirst("SHA512 (".count))
                    XCTAssertTrue(FileManager.default.fileExists(atPath: "\(workspace)/lookaside/\(name)/\(file)/sha512/\(parts[1])/\(file)"), "\(name): \(file) missing")
                }
            }
        }
        let resumed = try goose(["import-srpm", "--workspace", workspace, "--quiet"] + srpms)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        for repository in try FileManager.default.contentsOfDirectory(atPath: reference + "/git") {
            let tree = { (root: String) in try self.shell("git --git-dir '\(root)/git/\(repository)' rev-parse 'c9^{tree}'") }
            XCTAssertEqual(try tree(workspace), try tree(reference), repository)
        }
        XCTAssertEqual(try shell("ls -A '\(workspace)/.goose/tmp' | wc -l").trimmingCharacters(in: .whitespacesAndNewlines), "0", "abandoned staging directories are reclaimed")
    }

    func testARunWithNothingToImportStillReclaimsAKilledRunsStaging() throws {
        // A run killed after publishing its last repository, before removing its staging: the resumed run finds
        // everything imported and stages nothing, yet the leftover goes.
        let workspace = try makeWorkspace(try temporaryDirectory())
        let srpm = fixtureSRPMs.main[0]
        XCTAssertEqual(try goose(["import-srpm", "--workspace", workspace, "--quiet", srpm]).status, 0)
        let exited = try GooseBinary.start(["--version"])
        _ = exited.wait()
        let leftover = "\(workspace)/.goose/tmp/import-test.\(exited.pid).Ab12Cd"
        try FileManager.default.createDirectory(atPath: leftover + "/payload", withIntermediateDirectories: true)
        let live = "\(workspace)/.goose/tmp/import-live.1.Ab12Cd"  // pid 1 runs, as another user: kept
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)
        let again = try goose(["import-srpm", "--workspace", workspace, "--json", srpm])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try jsonRecords(again.stdout).first?["status"] as? String, "already-imported")
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover), "a dead run's staging is reclaimed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: live), "a live process's staging is kept")
    }
}
