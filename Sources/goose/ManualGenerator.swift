import ArgumentParser
import Foundation

/// `goose generate-manual`: writes the manual pages; hidden because only scripts/generate-docs and its test call it.
struct GenerateManualCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-manual",
        abstract: "Write the mdoc manual pages of goose and its subcommands.",
        shouldDisplay: false)

    @Option(name: .long, help: ArgumentHelp("Directory to write goose.1 and goose-<subcommand>.1 into (created if missing).", valueName: "dir"))
    var outputDirectory: String

    func run() throws {
        let generator = ManualGenerator(root: try ToolDescription.describing(Goose.self).command)
        let directory = URL(fileURLWithPath: outputDirectory, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for page in generator.pages() {
            try Data(page.text.utf8).write(to: directory.appendingPathComponent(page.fileName), options: .atomic)
        }
    }
}

/// A failure to read the argument parser's description of the commands.
struct ManualGenerationError: Error, CustomStringConvertible {
    let description: String
}

// MARK: - The command tree, as the argument parser describes it

/// The part of ArgumentParser's `--experimental-dump-help` JSON (ToolInfo, serialization version 0) the manual uses.
struct ToolDescription: Decodable {
    var serializationVersion: Int
    var command: CommandDescription

    /// Asks the argument parser to describe `command` and all its subcommands.
    static func describing<Command: ParsableCommand>(_ command: Command.Type) throws -> ToolDescription {
        // ArgumentParser makes its model of options public only as this JSON; requesting it in-process
        // through the documented flag avoids both its internal types and a second run of the binary.
        let json: String
        do {
            _ = try command.parseAsRoot(["--experimental-dump-help"])
            json = ""
        } catch {
            json = command.fullMessage(for: error)
        }
        let tool: ToolDescription
        do {
            tool = try JSONDecoder().decode(ToolDescription.self, from: Data(json.utf8))
        } catch {
            throw ManualGenerationError(description: "cannot read the argument parser's --experimental-dump-help output: \(error)")
        }
        guard tool.serializationVersion == 0 else {
            throw ManualGenerationError(description: "--experimental-dump-help format \(tool.serializationVersion) is not supported (expected 0)")
        }
        return tool
    }
}

/// One command: its names, help texts, arguments and subcommands.
struct CommandDescription: Decodable {
    var superCommands: [String]?
    var shouldDisplay: Bool?
    var commandName: String
    var abstract: String?
    var discussion: String?
    var subcommands: [CommandDescription]?
    var arguments: [ArgumentDescription]?

    /// The words that invoke the command, from the tool's name down: ["goose", "lookaside", "upload"].
    var commandPath: [String] { (superCommands ?? []) + [commandName] }

    /// The page's name: the command path joined by hyphens, as in goose-lookaside-upload.
    var pageName: String { commandPath.joined(separator: "-") }

    /// The subcommands that get documented.
    var visibleSubcommands: [CommandDescription] {
        // The parser lists its built-in `help` pseudo-command under the root; it has no page of its own.
        let isRoot = superCommands?.isEmpty ?? true
        return (subcommands ?? []).filter { ($0.shouldDisplay ?? true) && !(isRoot && $0.commandName == "help") }
    }
}

/// One positional argument, option or flag.
struct ArgumentDescription: Decodable {
    /// How the argument appears on the command line.
    enum Kind: String, Decodable {
        case positional, option, flag
    }

    /// One spelling of a named argument.
    struct Name: Decodable {
        /// The prefix the name takes.
        enum Kind: String, Decodable {
            case long, short, longWithSingleDash

            /// Short names first, as in `-q, --quiet`.
            var listOrder: Int {
                switch self {
                case .short: 0
                case .longWithSingleDash: 1
                case .long: 2
                }
            }
        }

        var kind: Kind
        var name: String

        /// The name as typed, without its first dash, because mdoc's Fl macro supplies that one.
        var flagArgument: String { kind == .long ? "-" + name : name }
    }

    var kind: Kind
    var shouldDisplay: Bool
    var sectionTitle: String?
    var isOptional: Bool
    var isRepeating: Bool
    var names: [Name]?
    var preferredName: Name?
    var valueName: String?
    var defaultValue: String?
    var allValues: [String]?
    var allValueDescriptions: [String: String]?
    var abstract: String?
    var discussion: String?

    /// Whether this is the parser's own --help or --version flag, which every synopsis would otherwise repeat.
    var isBuiltInFlag: Bool {
        kind == .flag && preferredName?.kind == .long && ["help", "version"].contains(preferredName?.name)
    }
}

// MARK: - Rendering

/// One generated manual page.
struct ManualPage {
    var fileName: String
    var text: String
}

/// Renders mdoc(7) pages for a command tree: one for the root and one per visible subcommand, nested ones included.
struct ManualGenerator {
    /// Fixed rather than today's date so that regenerating unchanged commands gives byte-identical pages;
    /// move it forward by hand when a release changes the pages.
    static let documentDate = "November 22, 2026"

    let root: CommandDescription

    /// All pages, the root's first, then the subcommands depth first.
    func pages() -> [ManualPage] {
        // Only the root's discussion states the exit codes, but they hold for every subcommand.
        let exitStatus = DiscussionSections(root.discussion, holdsExitStatus: true).exitStatus
        return documentedCommands(from: root).map { page(for: $0, exitStatus: exitStatus) }
    }

    /// `command` and its visible descendants.
    private func documentedCommands(from command: CommandDescription) -> [CommandDescription] {
        [command] + command.visibleSubcommands.flatMap(documentedCommands(from:))
    }

    /// The page of one command.
    private func page(for command: CommandDescription, exitStatus: [String]?) -> ManualPage {
        var document = MdocDocument()
        let discussion = DiscussionSections(command.discussion, holdsExitStatus: command.commandPath.count == 1)
        document.comment("Generated by 'goose generate-manual' from goose's argument parser: do not edit.")
        document.comment("Regenerate with scripts/generate-docs.")
        document.macro("Dd \(Self.documentDate)")
        document.macro("Dt \(MdocDocument.word(command.pageName.uppercased())) 1")
        document.macro("Os")

        document.macro("Sh NAME")
        document.macro("Nm \(MdocDocument.word(command.pageName))")
        document.macro("Nd " + MdocDocument.words(Self.nameDescription(command.abstract ?? command.commandName)))

        document.macro("Sh SYNOPSIS")
        writeSynopsis(of: command, to: &document)

        document.macro("Sh DESCRIPTION")
        if let abstract = command.abstract, !abstract.isEmpty {
            document.prose(abstract)
        }
        for paragraph in discussion.description {
            document.macro("Pp")
            document.paragraph(paragraph)
        }

        let arguments = (command.arguments ?? []).filter(\.shouldDisplay)
        let positionals = arguments.filter { $0.kind == .positional }
        let named = arguments.filter { $0.kind != .positional }
        if !positionals.isEmpty {
            document.macro("Sh ARGUMENTS")
            writeArgumentList(positionals, to: &document)
        }
        if !named.isEmpty {
            document.macro("Sh OPTIONS")
            writeOptionSections(named, to: &document)
        }

        writeSubcommands(of: command, to: &document)
        document.lines += Self.environmentAndFiles(onPage: command.pageName)
        if let exitStatus {
            document.macro("Sh EXIT STATUS")
            writeExitStatus(exitStatus, to: &document)
        }
        if !discussion.examples.isEmpty {
            document.macro("Sh EXAMPLES")
            for (index, example) in discussion.examples.enumerated() {
                if index > 0 { document.macro("Pp") }
                document.paragraph(example)
            }
        }

        writeSeeAlso(for: command, to: &document)
        return ManualPage(fileName: command.pageName + ".1", text: document.text)
    }

    /// SUBCOMMANDS: each visible subcommand with its abstract and page.
    private func writeSubcommands(of command: CommandDescription, to document: inout MdocDocument) {
        let subcommands = command.visibleSubcommands
        guard !subcommands.isEmpty else { return }
        document.macro("Sh SUBCOMMANDS")
        document.macro("Bl -tag -width Ds")
        for subcommand in subcommands {
            document.macro("It Cm \(MdocDocument.word(subcommand.commandName))")
            document.prose(subcommand.abstract ?? "")
            document.prose("See")
            document.macro("Xr \(MdocDocument.word(subcommand.pageName)) 1 .")
        }
        document.macro("El")
    }

    /// SEE ALSO: the pages a reader may want next, the root, the parents and the subcommands.
    private func writeSeeAlso(for command: CommandDescription, to document: inout MdocDocument) {
        let path = command.commandPath
        let parents = (1..<max(path.count, 1)).map { path.prefix($0).joined(separator: "-") }
        // mdoc orders SEE ALSO by section, then by name.
        let related = Set(parents + command.visibleSubcommands.map(\.pageName)).sorted()
        guard !related.isEmpty else { return }
        document.macro("Sh SEE ALSO")
        for (index, pageName) in related.enumerated() {
            let separator = index < related.count - 1 ? " ," : ""
            document.macro("Xr \(MdocDocument.word(pageName)) 1\(separator)")
        }
    }

    /// The one-line description for NAME: the abstract starting in lower case and without a full stop, as mdoc expects.
    static func nameDescription(_ abstract: String) -> String {
        var text = abstract.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasSuffix(".") { text.removeLast() }
        // Lowering the first letter of an acronym ("ISO images") would misspell it.
        let characters = Array(text)
        if characters.count > 1, characters[0].isUppercase, characters[1].isLowercase {
            text = characters[0].lowercased() + String(characters.dropFirst())
        }
        return text
    }

    /// SYNOPSIS: the command path, then each argument as the usage line shows it.
    private func writeSynopsis(of command: CommandDescription, to document: inout MdocDocument) {
        document.macro("Nm " + command.commandPath.map(MdocDocument.word).joined(separator: " "))
        for argument in (command.arguments ?? []) where argument.shouldDisplay && !argument.isBuiltInFlag {
            let usage = synopsisMacros(for: argument)
            document.macro(argument.isOptional ? "Op " + usage : usage)
        }
        if !command.visibleSubcommands.isEmpty {
            document.macro("Ar subcommand")
        }
    }

    /// The macros that show one argument in a synopsis: `Fl -jobs Ar n`, `Ar srpm ...`.
    private func synopsisMacros(for argument: ArgumentDescription) -> String {
        var macros: String
        switch argument.kind {
        case .positional:
            macros = "Ar " + MdocDocument.word(argument.valueName ?? "argument")
        case .option, .flag:
            let name = argument.preferredName ?? argument.names?.first
            macros = "Fl " + MdocDocument.word(name?.flagArgument ?? "")
            if argument.kind == .option {
                macros += " Ar " + MdocDocument.word(argument.valueName ?? "value")
            }
        }
        if argument.isRepeating {
            // After Fl the dots would be read as one more flag.
            macros += argument.kind == .flag ? " No ..." : " ..."
        }
        return macros
    }

    /// OPTIONS: untitled options first, then one subsection per option group title.
    private func writeOptionSections(_ arguments: [ArgumentDescription], to document: inout MdocDocument) {
        var titles: [String] = []
        for title in arguments.compactMap(\.sectionTitle) where !titles.contains(title) {
            titles.append(title)
        }
        let untitled = arguments.filter { $0.sectionTitle == nil }
        if !untitled.isEmpty {
            writeArgumentList(untitled, to: &document)
        }
        for title in titles {
            document.macro("Ss " + MdocDocument.words(title))
            writeArgumentList(arguments.filter { $0.sectionTitle == title }, to: &document)
        }
    }

    /// A tag list with each argument's spelling, help text, default and possible values.
    private func writeArgumentList(_ arguments: [ArgumentDescription], to document: inout MdocDocument) {
        document.macro("Bl -tag -width Ds")
        for argument in arguments {
            document.macro("It " + itemTag(for: argument))
            document.prose(argument.abstract ?? "")
            if let defaultValue = argument.defaultValue, argument.kind != .flag {
                document.prose("(default: \(defaultValue))")
            }
            if let values = argument.allValues, !values.isEmpty {
                if let descriptions = argument.allValueDescriptions, !descriptions.isEmpty {
                    document.macro("Bl -tag -width Ds")
                    for value in values {
                        document.macro("It Cm \(MdocDocument.word(value))")
                        document.prose(descriptions[value] ?? "")
                    }
                    document.macro("El")
                } else {
                    document.prose("(values: \(values.joined(separator: ", ")))")
                }
            }
            for paragraph in DiscussionSections.paragraphs(of: argument.discussion ?? "") {
                document.macro("Pp")
                document.paragraph(paragraph)
            }
        }
        document.macro("El")
    }

    /// The tag of one list item: every spelling of the name, then the value: `Fl j , Fl -jobs Ar n`.
    private func itemTag(for argument: ArgumentDescription) -> String {
        let value = MdocDocument.word(argument.valueName ?? "value")
        switch argument.kind {
        case .positional:
            return "Ar " + value + (argument.isRepeating ? " ..." : "")
        case .option, .flag:
            let spellings = (argument.names ?? []).sorted { $0.kind.listOrder < $1.kind.listOrder }
                .map { "Fl " + MdocDocument.word($0.flagArgument) }
            return spellings.joined(separator: " , ") + (argument.kind == .option ? " Ar " + value : "")
        }
    }

    /// EXIT STATUS: a list when the paragraph reads "Exit codes: 0 success; 1 failure; …", else the paragraph itself.
    private func writeExitStatus(_ paragraph: [String], to document: inout MdocDocument) {
        let text = paragraph.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        var body = text.drop { $0 != ":" }.dropFirst().trimmingCharacters(in: .whitespaces)
        if body.hasSuffix(".") { body.removeLast() }
        let entries: [(code: String, meaning: String)] = body.split(separator: ";").compactMap { entry in
            let words = entry.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
            guard words.count == 2, words[0].allSatisfy(\.isNumber) else { return nil }
            return (String(words[0]), String(words[1]))
        }
        guard !entries.isEmpty, entries.count == body.split(separator: ";").count else {
            document.paragraph(paragraph)
            return
        }
        document.macro("Bl -tag -width Ds -compact")
        for entry in entries {
            document.macro("It \(entry.code)")
            document.prose(entry.meaning)
        }
        document.macro("El")
    }

    /// ENVIRONMENT and FILES, the same on every page since every command reads the workspace the same way.
    static func environmentAndFiles(onPage pageName: String) -> [String] {
        // mandoc warns about a page that refers to itself.
        let initReference = pageName == "goose-init" ? ".Cm goose init ." : ".Xr goose\\-init 1 ."
        return [
            ".Sh ENVIRONMENT",
            ".Bl -tag -width Ds",
            ".It Ev GOOSE_HOME",
            "The workspace to use when",
            ".Fl \\-workspace",
            "is not given.",
            "Without either, goose uses the nearest directory holding",
            ".Pa goose.toml ,",
            "starting from the current directory.",
            ".It Ev SOURCE_DATE_EPOCH",
            "Seconds since 1970\\-01\\-01 00:00 UTC to record instead of the current",
            "time on dist\\-git commits, tags and changelog entries, so that repeated",
            "runs give identical results.",
            ".It Ev GIT_AUTHOR_NAME , Ev GIT_AUTHOR_EMAIL",
            "The identity goose records on the commits and tags it makes in dist\\-git",
            "repositories (default: goose <goose@localhost>).",
            ".El",
            ".Sh FILES",
            ".Bl -tag -width Ds",
            ".It Pa goose.toml",
            "The configuration at the top of a workspace: dist tag, architectures,",
            "lookaside URL, signing keys and mirrors.",
            "Its presence marks a directory as a goose workspace; create it with",
            initReference,
            ".El",
        ]
    }
}

/// A command's discussion, split into the sections of the page its paragraphs belong in.
struct DiscussionSections {
    /// Paragraphs for DESCRIPTION, each a list of lines as written.
    var description: [[String]] = []
    /// The bodies of "Examples:" paragraphs, for EXAMPLES.
    var examples: [[String]] = []
    /// The "Exit codes: …" paragraph, for EXIT STATUS.
    var exitStatus: [String]?

    /// Splits `discussion`; only the root's states the exit codes of all commands, so only there is
    /// `holdsExitStatus` true.
    init(_ discussion: String?, holdsExitStatus: Bool) {
        for paragraph in Self.paragraphs(of: discussion ?? "") {
            let heading = paragraph[0].trimmingCharacters(in: .whitespaces).lowercased()
            if heading == "examples:" || heading == "example:" {
                examples.append(Array(paragraph.dropFirst()))
            } else if holdsExitStatus && (heading.hasPrefix("exit codes:") || heading.hasPrefix("exit status:")) {
                exitStatus = paragraph
            } else {
                description.append(paragraph)
            }
        }
    }

    /// The paragraphs of a help text: runs of lines separated by blank lines.
    static func paragraphs(of text: String) -> [[String]] {
        var paragraphs: [[String]] = []
        var current: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if !current.isEmpty { paragraphs.append(current) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current) }
        return paragraphs
    }
}

/// mdoc source under construction; escapes help text so that none of it is read as a request, macro or escape.
struct MdocDocument {
    var lines: [String] = []

    /// The finished source.
    var text: String { lines.joined(separator: "\n") + "\n" }

    /// Adds a comment line.
    mutating func comment(_ text: String) {
        lines.append(".\\\" " + text)
    }

    /// Adds a macro line; dynamic parts must already have passed through `word` or `words`.
    mutating func macro(_ line: String) {
        lines.append("." + line)
    }

    /// Adds prose, each sentence on new lines of at most 80 bytes: roff then spaces sentences correctly,
    /// and a changed help text changes few lines.
    mutating func prose(_ text: String) {
        for sentence in Self.sentences(in: text) {
            lines += Self.filledLines(Self.escape(sentence))
        }
    }

    /// Escaped text broken at spaces into lines of at most 80 bytes where the words allow.
    static func filledLines(_ escaped: String) -> [String] {
        var filled: [String] = []
        var current = ""
        for word in escaped.split(separator: " ") {
            // roff takes a line-ending ".", "?" or "!" for the end of a sentence, so never break after one.
            let endsLikeSentence = current.trimmingCharacters(in: CharacterSet(charactersIn: ")\"'")).last.map { ".?!".contains($0) } ?? false
            if !current.isEmpty, current.utf8.count + 1 + word.utf8.count > 80, !endsLikeSentence {
                filled.append(current)
                current = ""
            }
            current += current.isEmpty ? String(word) : " " + word
        }
        if !current.isEmpty { filled.append(current) }
        return filled.map(guardedLine)
    }

    /// Adds one help-text paragraph: flush-left lines are prose, indented lines (command examples) a literal display.
    mutating func paragraph(_ paragraphLines: [String]) {
        var proseLines: [String] = []
        var displayLines: [String] = []
        for line in paragraphLines {
            if line.first == " " || line.first == "\t" {
                if !proseLines.isEmpty { prose(proseLines.joined(separator: " ")) }
                proseLines = []
                displayLines.append(line)
            } else {
                if !displayLines.isEmpty { literal(displayLines) }
                displayLines = []
                proseLines.append(line.trimmingCharacters(in: .whitespaces))
            }
        }
        if !proseLines.isEmpty { prose(proseLines.joined(separator: " ")) }
        if !displayLines.isEmpty { literal(displayLines) }
    }

    /// Adds an indented literal display, keeping the lines' relative indentation.
    private mutating func literal(_ displayLines: [String]) {
        let indentation = displayLines.map { $0.prefix { $0 == " " || $0 == "\t" }.count }.min() ?? 0
        // A display brings its own vertical space: mandoc warns about a paragraph macro right before it.
        if lines.last == ".Pp" { lines.removeLast() }
        macro("Bd -literal -offset indent")
        for line in displayLines {
            lines.append(Self.literalLine(line.dropFirst(indentation)))
        }
        macro("Ed")
    }

    /// One line of a literal display: escaped, without trailing blanks, and guarded against starting with a control character.
    static func literalLine(_ text: Substring) -> String {
        var line = text
        while line.last == " " || line.last == "\t" { line.removeLast() }
        return guardedLine(escape(String(line)))
    }

    /// An escaped line made safe to start a text line: only there do "." and "'" introduce a request.
    private static func guardedLine(_ line: String) -> String {
        line.hasPrefix(".") || line.hasPrefix("'") ? "\\&" + line : line
    }

    /// A single macro argument, protected from being taken for a macro name or a delimiter.
    static func word(_ text: String) -> String {
        let escaped = escape(text)
        if text.contains(where: \.isWhitespace) || text.contains("\"") {
            return "\"" + escaped.replacingOccurrences(of: "\"", with: "\\(dq") + "\""
        }
        if isMacroName(text) || ["(", "[", ")", "]", ".", ",", ":", ";", "?", "!", "|"].contains(text) {
            return "\\&" + escaped
        }
        return escaped
    }

    /// Several words of free text as macro arguments.
    static func words(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).map { word(String($0)) }.joined(separator: " ")
    }

    /// Whether mdoc would call `text` as a macro when it appears as an argument (Ar, No, Pa, Bsx, …).
    private static func isMacroName(_ text: String) -> Bool {
        let characters = Array(text)
        return (2...3).contains(characters.count) && characters[0].isUppercase && characters.dropFirst().allSatisfy(\.isLowercase)
    }

    /// Escapes the backslash; writes hyphens, quotes and backquotes so that options, names and shell examples
    /// copy and paste as typed even where roff would print typographic glyphs; spells non-ASCII characters
    /// as `\[uXXXX]` so the page stays ASCII for every formatter.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\e"
            case "-": escaped += "\\-"
            case "'": escaped += "\\(aq"
            case "`": escaped += "\\(ga"
            case _ where scalar.isASCII: escaped.unicodeScalars.append(scalar)
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                escaped += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
            }
        }
        return escaped
    }

    /// Splits prose after ".", "?" or "!" followed by a space and a letter; a lower-case letter ends the
    /// sentence too, since goose's own name starts sentences, unless the period closes an abbreviation.
    static func sentences(in text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            current.append(character)
            guard ".?!".contains(character), index + 2 < characters.count, characters[index + 1] == " " else { continue }
            let next = characters[index + 2]
            let lastWord = current.split(separator: " ").last.map { $0.dropLast().lowercased() } ?? ""
            let isAbbreviation = lastWord.contains(".") || ["etc", "vs", "cf"].contains(lastWord)
            if next.isUppercase || (next.isLowercase && !isAbbreviation) {
                sentences.append(current)
                current = ""
            }
        }
        sentences.append(current)
        return sentences.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
