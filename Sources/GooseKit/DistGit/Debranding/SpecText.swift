import Foundation

/// Pure edits of spec file text: tag lines, search and replace, %changelog entries, release bumps.
public enum SpecText {
    /// Why an edit could not be made, worded for a user.
    public struct EditFailure: Error, Equatable, Sendable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }

    /// Sections after which lines are no longer preamble tags (`%package` starts a new preamble).
    static let bodySections: Set<String> = [
        "description", "prep", "generate_buildrequires", "conf", "build", "install", "check", "clean", "files",
        "changelog", "pre", "post", "preun", "postun", "pretrans", "posttrans", "preuntrans", "postuntrans",
        "verifyscript", "triggerprein", "triggerin", "triggerun", "triggerpostun", "filetriggerin", "filetriggerun",
        "filetriggerpostun", "transfiletriggerin", "transfiletriggerun", "transfiletriggerpostun", "sourcelist", "patchlist",
    ]

    /// Whether `name` looks like a spec tag name (`Release`, `Source0`).
    public static func isTagName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, CharacterSet.letters.contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && CharacterSet.alphanumerics.contains($0) }
    }

    /// The section keyword a line opens (`%files -n foo` → `files`), or nil.
    static func sectionKeyword(_ line: Substring) -> String? {
        guard line.first == "%" else { return nil }
        let word = line.dropFirst().prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        let rest = line.dropFirst(1 + word.count)
        guard rest.isEmpty || rest.first!.isWhitespace else { return nil }
        let keyword = String(word)
        return keyword == "package" || bodySections.contains(keyword) ? keyword : nil
    }

    /// A preamble tag line split into its parts; `value` excludes surrounding blanks.
    struct TagLine {
        var name: String
        /// Everything up to the value: the tag, any qualifier, the colon and the blanks after it.
        var head: Substring
        var value: Substring
        /// Trailing blanks (and a `\r`) after the value.
        var tail: Substring
    }

    static func tagLine(_ line: Substring) -> TagLine? {
        let indent = line.prefix { $0 == " " || $0 == "\t" }
        var rest = line.dropFirst(indent.count)
        let name = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber) }
        guard let first = name.first, first.isLetter else { return nil }
        rest = rest.dropFirst(name.count)
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            rest = rest[rest.index(after: close)...]
        }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
        let body = rest
        let valueEnd = body.lastIndex { !$0.isWhitespace }.map { body.index(after: $0) } ?? body.startIndex
        return TagLine(name: String(name), head: line[line.startIndex..<body.startIndex],
                       value: body[body.startIndex..<valueEnd], tail: body[valueEnd...])
    }

    /// Indexes (into `lines`) of preamble lines carrying tag `name`, case-insensitive, in order.
    static func tagLineIndexes(_ lines: [Substring], name: String) -> [Int] {
        var inPreamble = true
        var result: [Int] = []
        for (index, line) in lines.enumerated() {
            if let keyword = sectionKeyword(line) {
                inPreamble = keyword == "package"
                continue
            }
            if inPreamble, let tag = tagLine(line), tag.name.caseInsensitiveCompare(name) == .orderedSame {
                result.append(index)
            }
        }
        return result
    }

    static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The value of the first preamble tag `name` (`Release` → `3%{?dist}`), or nil.
    public static func tagValue(_ text: String, name: String) -> String? {
        let lines = lines(text)
        guard let index = tagLineIndexes(lines, name: name).first, let tag = tagLine(lines[index]) else { return nil }
        return String(tag.value)
    }

    // MARK: Search and replace

    /// Applies a substitution; returns the new text and how many matches were replaced (failing on none).
    public static func searchAndReplace(_ text: String, _ substitution: SpecSubstitution) throws -> (text: String, replacements: Int) {
        let expression: NSRegularExpression
        let template: String
        do {
            if substitution.isRegularExpression {
                expression = try NSRegularExpression(pattern: substitution.find, options: [.anchorsMatchLines])
                template = substitution.replacement
            } else {
                expression = try NSRegularExpression(pattern: NSRegularExpression.escapedPattern(for: substitution.find))
                template = NSRegularExpression.escapedTemplate(for: substitution.replacement)
            }
        } catch {
            throw EditFailure("'\(substitution.find)' is not a valid regular expression")
        }
        var budget = substitution.limit ?? Int.max
        guard let field = substitution.field else {
            let (result, count) = replace(in: text, expression: expression, template: template, budget: &budget)
            guard count > 0 else { throw EditFailure("no match for '\(substitution.find)' in the spec") }
            return (result, count)
        }
        var lines = lines(text)
        let indexes = tagLineIndexes(lines, name: field)
        guard !indexes.isEmpty else { throw EditFailure("the spec has no \(field): tag") }
        var total = 0
        for index in indexes where budget > 0 {
            guard let tag = tagLine(lines[index]) else { continue }
            let (value, count) = replace(in: String(tag.value), expression: expression, template: template, budget: &budget)
            if count > 0 {
                lines[index] = Substring(String(tag.head) + value + String(tag.tail))
                total += count
            }
        }
        guard total > 0 else { throw EditFailure("no match for '\(substitution.find)' in the spec's \(field): tag") }
        return (lines.joined(separator: "\n"), total)
    }

    private static func replace(in text: String, expression: NSRegularExpression, template: String, budget: inout Int) -> (String, Int) {
        let source = text as NSString
        let matches = expression.matches(in: text, range: NSRange(location: 0, length: source.length)).prefix(max(budget, 0))
        guard !matches.isEmpty else { return (text, 0) }
        var result = ""
        var position = 0
        for match in matches {
            result += source.substring(with: NSRange(location: position, length: match.range.location - position))
            result += expression.replacementString(for: match, in: text, offset: 0, template: template)
            position = match.range.location + match.range.length
        }
        result += source.substring(from: position)
        budget -= matches.count
        return (result, matches.count)
    }

    // MARK: Changelog

    private static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The date as a %changelog heading writes it (`Wed Jan 03 2024`), in UTC so builds agree everywhere.
    public static func changelogDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.weekday, .day, .month, .year], from: date)
        let day = parts.day ?? 1
        return "\(dayNames[(parts.weekday ?? 1) - 1]) \(monthNames[(parts.month ?? 1) - 1]) \(day < 10 ? "0" : "")\(day) \(parts.year ?? 1970)"
    }

    /// The lines of a %changelog entry, ending with a blank line.
    public static func changelogEntryText(_ entry: ChangelogEntry, date: Date, evr: EVR) -> String {
        // rpm expands macros inside %changelog; the entry is meant literally, so `%` is doubled.
        func literal(_ text: String) -> String { text.replacingOccurrences(of: "%", with: "%%") }
        var text = "* \(changelogDate(date)) \(literal(entry.author)) <\(literal(entry.email))> - \(evr)\n"
        for line in entry.lines {
            let parts = line.split(separator: "\n", omittingEmptySubsequences: false).map { literal(String($0)) }
            text += "- " + parts.joined(separator: "\n  ") + "\n"
        }
        return text + "\n"
    }

    /// Inserts an entry at the top of %changelog, adding the section at the end when the spec has none.
    public static func insertChangelogEntry(_ text: String, _ entry: ChangelogEntry, date: Date, evr: EVR) -> String {
        let entryText = changelogEntryText(entry, date: date, evr: evr)
        var lines = lines(text)
        if let index = lines.firstIndex(where: { sectionKeyword($0) == "changelog" }) {
            // Blank lines right after %changelog would otherwise end up above the new entry.
            var first = index + 1
            while first < lines.count, lines[first].allSatisfy(\.isWhitespace), first < lines.count - 1 { first += 1 }
            let entryLines = SpecText.lines(String(entryText.dropLast()))
            lines.replaceSubrange((index + 1)..<first, with: entryLines)
            return lines.joined(separator: "\n")
        }
        var result = text
        if !result.isEmpty && !result.hasSuffix("\n") { result += "\n" }
        return result + "\n%changelog\n" + entryText
    }

    // MARK: Release

    private static let distMacros = ["%{?dist}", "%{dist}", "%?dist", "%dist"]

    /// A Release: value split before a trailing `%{?dist}` (or `%{dist}`, `%?dist`, `%dist`).
    public static func splitTrailingDist(_ value: String) -> (base: String, dist: String?) {
        for macro in distMacros where value.hasSuffix(macro) {
            return (String(value.dropLast(macro.count)), macro)
        }
        return (value, nil)
    }

    /// Appends `suffix` to every preamble Release: value, before a trailing dist macro.
    public static func bumpRelease(_ text: String, suffix: String) throws -> String {
        var lines = lines(text)
        let indexes = tagLineIndexes(lines, name: "Release")
        guard !indexes.isEmpty else { throw EditFailure("the spec has no Release: tag") }
        for index in indexes {
            guard let tag = tagLine(lines[index]) else { continue }
            let (base, dist) = splitTrailingDist(String(tag.value))
            lines[index] = Substring(String(tag.head) + base + suffix + (dist ?? "") + String(tag.tail))
        }
        return lines.joined(separator: "\n")
    }

    /// The release `specBeforeBump` builds to once `suffix` is appended, given the release (`headerRelease`)
    /// the vendor's `originalSpec` built to: `3.el9` with `Release: 3%{?dist}` and `.goose1` gives `3.goose1.el9`.
    ///
    /// The `%{dist}` expansion is taken from the header release after expanding the rest of the
    /// original Release: value with the spec's own simple macros; `distTag` is the fallback when that
    /// is not possible. Nil when the release cannot be known.
    public static func bumpedRelease(originalSpec: String, headerRelease: String, specBeforeBump currentSpec: String, suffix: String,
                                     distTag: String? = nil) -> String? {
        guard let originalValue = tagValue(originalSpec, name: "Release"),
              let currentValue = tagValue(currentSpec, name: "Release") else { return nil }
        let original = splitTrailingDist(originalValue)
        let current = splitTrailingDist(currentValue)
        var distExpansion: String?
        var originalBaseExpansion: String?
        if original.dist == nil {
            distExpansion = ""
            originalBaseExpansion = headerRelease
        } else if let expanded = SpecMacros(spec: originalSpec).expand(original.base), headerRelease.hasPrefix(expanded) {
            originalBaseExpansion = expanded
            distExpansion = String(headerRelease.dropFirst(expanded.count))
        } else if let distTag, headerRelease.hasSuffix(distTag) {
            originalBaseExpansion = String(headerRelease.dropLast(distTag.count))
            distExpansion = distTag
        }
        let currentBaseExpansion = current.base == original.base ? originalBaseExpansion : SpecMacros(spec: currentSpec).expand(current.base)
        guard let base = currentBaseExpansion else { return nil }
        guard current.dist != nil else { return base + suffix }
        guard let dist = original.dist != nil ? distExpansion : distTag else { return nil }
        return base + suffix + dist
    }
}
