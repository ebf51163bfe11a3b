import Foundation
import XCTest
@testable import GooseKit

/// Pure spec-text edits and directive parsing: no files, no git.
final class DebrandingSpecTextTests: XCTestCase {
    let spec = """
    Name:           demo
    Version:        1.0
    Release:        3%{?dist}
    Vendor:         Example Corp
    Summary:        Example Corp demo tool

    %description
    Example Corp demo tool.
    Release: this line is description text, not a tag.

    %package extra
    Summary:        Extra bits from Example Corp

    %description extra
    Extras.

    %changelog
    * Mon Jan 01 2024 Someone <someone@example.com> - 1.0-3
    - Initial.

    """

    // MARK: Release bump

    func testReleaseBumpGoesBeforeTrailingDist() throws {
        let bumped = try SpecText.bumpRelease(spec, suffix: ".goose1")
        XCTAssertTrue(bumped.contains("Release:        3.goose1%{?dist}\n"))
        XCTAssertTrue(bumped.contains("Release: this line is description text, not a tag."))
        XCTAssertEqual(SpecText.tagValue(bumped, name: "release"), "3.goose1%{?dist}")
    }

    func testReleaseBumpWithoutDistAppends() throws {
        XCTAssertEqual(try SpecText.bumpRelease("Name: x\nRelease: 7\n", suffix: ".goose1"), "Name: x\nRelease: 7.goose1\n")
        // A dist tag that is not trailing (z-stream style) keeps its place; the suffix goes last.
        XCTAssertEqual(try SpecText.bumpRelease("Release: 1%{?dist}.2\n", suffix: ".g"), "Release: 1%{?dist}.2.g\n")
        XCTAssertEqual(try SpecText.bumpRelease("Release:\t5%{dist}  \n", suffix: ".g"), "Release:\t5.g%{dist}  \n")
    }

    func testReleaseBumpWithoutReleaseTagFails() {
        XCTAssertThrowsError(try SpecText.bumpRelease("Name: x\nVersion: 1\n", suffix: ".g")) { error in
            XCTAssertEqual((error as? SpecText.EditFailure)?.reason, "the spec has no Release: tag")
        }
    }

    func testBumpedReleaseTakesDistFromHeaderRelease() throws {
        let bumped = try SpecText.bumpRelease(spec, suffix: ".goose1")
        XCTAssertEqual(SpecText.tagValue(bumped, name: "Release"), "3.goose1%{?dist}")
        XCTAssertEqual(SpecText.bumpedRelease(originalSpec: spec, headerRelease: "3.el9_2", specBeforeBump: spec, suffix: ".goose1"),
                       "3.goose1.el9_2")
        XCTAssertEqual(SpecText.bumpedRelease(originalSpec: spec, headerRelease: "3", specBeforeBump: spec, suffix: ".goose1"), "3.goose1")
        // A spec edited before the bump: its Release: is expanded on its own, the dist part still comes from the header.
        let edited = try SpecText.searchAndReplace(spec, SpecSubstitution(find: "3", replacement: "4", field: "Release")).text
        XCTAssertEqual(SpecText.bumpedRelease(originalSpec: spec, headerRelease: "3.el9_2", specBeforeBump: edited, suffix: ".goose1"),
                       "4.goose1.el9_2")
    }

    func testBumpedReleaseExpandsSpecMacros() {
        let macroSpec = """
        %global baserelease 5
        %define prerelease %{nil}
        %global snapshot .20240101git%{shortcommit}
        %global shortcommit abc123
        Name: demo
        Release: %{baserelease}%{?with_foo:.foo}%{!?with_bar:.nobar}%{snapshot}%{?dist}

        """
        XCTAssertEqual(SpecText.bumpedRelease(originalSpec: macroSpec, headerRelease: "5.nobar.20240101gitabc123.fc40",
                                              specBeforeBump: macroSpec, suffix: ".goose1"),
                       "5.nobar.20240101gitabc123.goose1.fc40")
    }

    func testBumpedReleaseFallsBackToDistTag() {
        let shellSpec = "Release: %(echo 3)%{?dist}\n"
        XCTAssertNil(SpecText.bumpedRelease(originalSpec: shellSpec, headerRelease: "3.el9", specBeforeBump: shellSpec, suffix: ".g"))
        XCTAssertEqual(SpecText.bumpedRelease(originalSpec: shellSpec, headerRelease: "3.el9", specBeforeBump: shellSpec, suffix: ".g", distTag: ".el9"),
                       "3.g.el9")
        // An expansion that does not match what rpm built means a macro came from the build system.
        let mismatch = "%global rel 4\nRelease: %{rel}%{?dist}\n"
        XCTAssertNil(SpecText.bumpedRelease(originalSpec: mismatch, headerRelease: "3.el9", specBeforeBump: mismatch, suffix: ".g"))
    }

    func testBumpedReleaseOnPhotonKernelSpec() throws {
        let text = try String(contentsOfFile: DebrandingFixtures.specs + "/photon/linux/linux.spec", encoding: .utf8)
        XCTAssertEqual(SpecText.tagValue(text, name: "Release"), "9%{?acvp_build:.acvp}%{?kat_build:.kat}%{?dist}")
        let bumped = try SpecText.bumpRelease(text, suffix: ".goose1")
        XCTAssertEqual(SpecText.tagValue(bumped, name: "Release"), "9%{?acvp_build:.acvp}%{?kat_build:.kat}.goose1%{?dist}")
        XCTAssertEqual(SpecText.bumpedRelease(originalSpec: text, headerRelease: "9.ph5", specBeforeBump: text, suffix: ".goose1"), "9.goose1.ph5")
    }

    // MARK: Search and replace

    func testLiteralSearchAndReplaceEverywhere() throws {
        let result = try SpecText.searchAndReplace(spec, SpecSubstitution(find: "Example Corp", replacement: "Goose $1 \\o/"))
        XCTAssertEqual(result.replacements, 4)
        XCTAssertFalse(result.text.contains("Example Corp"))
        XCTAssertTrue(result.text.contains("Vendor:         Goose $1 \\o/\n"))
    }

    func testSearchAndReplaceCountLimitsFromTheTop() throws {
        let result = try SpecText.searchAndReplace(spec, SpecSubstitution(find: "Example Corp", replacement: "Goose", limit: 2))
        XCTAssertEqual(result.replacements, 2)
        XCTAssertTrue(result.text.contains("Vendor:         Goose\nSummary:        Goose demo tool"))
        XCTAssertTrue(result.text.contains("Example Corp demo tool.\n"))
    }

    func testRegularExpressionWithTemplateAndLineAnchors() throws {
        let substitution = SpecSubstitution(find: "^Vendor:(\\s+).*$", replacement: "Vendor:$1Goose Project", isRegularExpression: true)
        let result = try SpecText.searchAndReplace(spec, substitution)
        XCTAssertEqual(result.replacements, 1)
        XCTAssertTrue(result.text.contains("\nVendor:         Goose Project\n"))
    }

    func testFieldRestrictsToThatTag() throws {
        let substitution = SpecSubstitution(find: "Example Corp", replacement: "Goose", field: "summary")
        let result = try SpecText.searchAndReplace(spec, substitution)
        // Both preambles' Summary: tags, but neither Vendor: nor the description text.
        XCTAssertEqual(result.replacements, 2)
        XCTAssertTrue(result.text.contains("Summary:        Goose demo tool\n"))
        XCTAssertTrue(result.text.contains("Summary:        Extra bits from Goose\n"))
        XCTAssertTrue(result.text.contains("Vendor:         Example Corp\n"))
        XCTAssertTrue(result.text.contains("Example Corp demo tool.\n"))

        let release = try SpecText.searchAndReplace(spec, SpecSubstitution(find: "3", replacement: "4", field: "Release"))
        XCTAssertEqual(SpecText.tagValue(release.text, name: "Release"), "4%{?dist}")
        XCTAssertTrue(release.text.contains("- 1.0-3\n"))
    }

    func testZeroMatchesFail() {
        XCTAssertThrowsError(try SpecText.searchAndReplace(spec, SpecSubstitution(find: "Red Hat", replacement: "Goose"))) { error in
            XCTAssertEqual((error as? SpecText.EditFailure)?.reason, "no match for 'Red Hat' in the spec")
        }
        XCTAssertThrowsError(try SpecText.searchAndReplace(spec, SpecSubstitution(find: "Example", replacement: "x", field: "Release"))) { error in
            XCTAssertEqual((error as? SpecText.EditFailure)?.reason, "no match for 'Example' in the spec's Release: tag")
        }
        XCTAssertThrowsError(try SpecText.searchAndReplace(spec, SpecSubstitution(find: "x", replacement: "y", field: "Epoch"))) { error in
            XCTAssertEqual((error as? SpecText.EditFailure)?.reason, "the spec has no Epoch: tag")
        }
    }

    // MARK: Changelog

    func testChangelogDate() {
        XCTAssertEqual(SpecText.changelogDate(Date(timeIntervalSince1970: 1_704_283_200)), "Wed Jan 03 2024")
        XCTAssertEqual(SpecText.changelogDate(Date(timeIntervalSince1970: 0)), "Thu Jan 01 1970")
        XCTAssertEqual(SpecText.changelogDate(Date(timeIntervalSince1970: 1_735_689_599)), "Tue Dec 31 2024")
    }

    func testChangelogEntryGoesOnTop() {
        let entry = ChangelogEntry(author: "Goose Builder", email: "builder@goose.example", lines: ["Debrand for Goose", "Use 100% of the %{name} logo"])
        let text = SpecText.insertChangelogEntry(spec, entry, date: Date(timeIntervalSince1970: 1_704_283_200),
                                                 evr: EVR(epoch: 1, version: "1.0", release: "3.goose1.el9"))
        XCTAssertTrue(text.hasSuffix("""
        %changelog
        * Wed Jan 03 2024 Goose Builder <builder@goose.example> - 1:1.0-3.goose1.el9
        - Debrand for Goose
        - Use 100%% of the %%{name} logo

        * Mon Jan 01 2024 Someone <someone@example.com> - 1.0-3
        - Initial.

        """))
    }

    func testChangelogSectionIsAddedWhenMissing() {
        let entry = ChangelogEntry(author: "A", email: "a@b", lines: ["x"])
        let text = SpecText.insertChangelogEntry("Name: x\n%files\n", entry, date: Date(timeIntervalSince1970: 0), evr: EVR(version: "1", release: "1"))
        XCTAssertEqual(text, "Name: x\n%files\n\n%changelog\n* Thu Jan 01 1970 A <a@b> - 1-1\n- x\n\n")
    }

    // MARK: Parsing

    func testParseReadsEveryDirective() throws {
        let directives = try PatchFileParser.parse("""
        [release_bump]
        suffix = ".goose1"

        [[spec_changelog]]
        author = "Goose"
        email = "goose@example.org"
        message = ["one", "two"]

        [[spec_search_and_replace]]
        find = "a"
        replace = "b"
        count = 1
        regex = true
        field = "Vendor"

        [[replace_file]]
        file = "logo.png"
        with = "files/logo.png"

        [[replace_file]]
        file = "SOURCES/README"
        with = "README"

        [[delete_file]]
        file = "vendor.patch"

        [[add_file]]
        file = "goose.patch"
        from = "goose.patch"

        [[apply_patch]]
        file = "spec.diff"
        """, file: "p.toml")
        XCTAssertEqual(directives, [
            .replaceFile(target: "logo.png", replacement: "files/logo.png"),
            .replaceFile(target: "SOURCES/README", replacement: "README"),
            .deleteFile(target: "vendor.patch"),
            .addFile(target: "goose.patch", source: "goose.patch"),
            .applyPatch(diff: "spec.diff"),
            .specSearchAndReplace(SpecSubstitution(find: "a", replacement: "b", limit: 1, isRegularExpression: true, field: "Vendor")),
            .specChangelog(ChangelogEntry(author: "Goose", email: "goose@example.org", lines: ["one", "two"])),
            .releaseBump(suffix: ".goose1"),
        ])
    }

    func assertConfigurationError(_ toml: String, mentions fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PatchFileParser.parse(toml, file: "patches/demo/debrand.toml"), file: file, line: line) { error in
            guard case let .configuration(path, reason) = error as? GooseError else {
                return XCTFail("not a configuration error: \(error)", file: file, line: line)
            }
            XCTAssertEqual(path, "patches/demo/debrand.toml", file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(reason.contains(fragment), "'\(reason)' does not mention '\(fragment)'", file: file, line: line)
            }
        }
    }

    func testParseRefusesMalformedDirectives() {
        assertConfigurationError("[[rename_file]]\nfile = \"a\"\n", mentions: ["unknown directive 'rename_file'"])
        assertConfigurationError("[[replace_file]]\nfile = \"a\"\nwiht = \"b\"\n", mentions: ["[[replace_file]] #1", "unknown key 'wiht'"])
        assertConfigurationError("[[delete_file]]\nfile = \"a\"\n[[delete_file]]\npath = \"b\"\n", mentions: ["[[delete_file]] #2", "unknown key 'path'"])
        assertConfigurationError("[[add_file]]\nfile = \"a\"\n", mentions: ["[[add_file]] #1", "missing key 'from'"])
        assertConfigurationError("[[replace_file]]\nfile = \"a\"\nwith = \"../other/logo.png\"\n", mentions: ["[[replace_file]] #1", "leaves the patch directory"])
        assertConfigurationError("[[apply_patch]]\nfile = \"/etc/passwd\"\n", mentions: ["[[apply_patch]] #1", "absolute"])
        assertConfigurationError("[[delete_file]]\nfile = \"../x\"\n", mentions: ["[[delete_file]] #1", "plain repository path"])
        assertConfigurationError("[[add_file]]\nfile = \".git/config\"\nfrom = \"x\"\n", mentions: [".git"])
        assertConfigurationError("[[spec_search_and_replace]]\nfind = \"(\"\nreplace = \"\"\nregex = true\n", mentions: ["not a valid regular expression"])
        assertConfigurationError("[[spec_search_and_replace]]\nfind = \"a\"\nreplace = \"\"\ncount = 0\n", mentions: ["'count' must be at least 1"])
        assertConfigurationError("[[spec_search_and_replace]]\nfind = \"a\"\nreplace = 1\n", mentions: ["'replace' must be a string"])
        assertConfigurationError("[[release_bump]]\nsuffix = \".g\"\n", mentions: ["[release_bump]"])
        assertConfigurationError("[release_bump]\nsuffix = \"-g\"\n", mentions: ["'suffix'"])
        assertConfigurationError("[replace_file]\nfile = \"a\"\nwith = \"b\"\n", mentions: ["[[replace_file]]"])
        assertConfigurationError("[[spec_changelog]]\nauthor = \"A\"\nemail = \"<a@b>\"\nmessage = \"x\"\n", mentions: ["'email'"])
        assertConfigurationError("[[spec_changelog]]\nauthor = \"A\"\nemail = \"a@b\"\nmessage = []\n", mentions: ["'message'"])
        assertConfigurationError("[[delete_file]\n", mentions: ["line 1"])
    }
}

/// Where the shared fixtures are, found from this file's real location (the test may be built from a link).
enum DebrandingFixtures {
    static let root: String = {
        let file = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        let repository = file.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repository.appendingPathComponent("../shared/fixtures").standardizedFileURL.path
    }()

    static var specs: String { root + "/specs" }
}
