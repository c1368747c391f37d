//! The commands' help as plain text. Flatpeak's descriptions are MDX, written for its
//! documentation site: components (`<Tip>`, `<Info>`, `<Warning>`), links to the site's own
//! pages (`[Connect](/guides/integration-plan)`), `**bold**`, and tables whose header row is
//! empty links (`| []() | []() |`). A terminal shows none of that markup, so the generator
//! writes each help text once as [`plain_text`], and nothing is done at run time.
//!
//! progenitor gives each command one `about`, its summary and description together, which
//! the root command's list of commands shows whole (about 200 lines for a release). Here a
//! command's `about` becomes its first line (the operation's summary), shown in that list and
//! by `-h`, and the whole text its `long_about`, shown by `--help`.

use syn::visit_mut::{self, VisitMut};

/// Rewrites the help of the generated commands: `.about(TEXT)` becomes
/// `.about(FIRST LINE).long_about(PLAIN TEXT)` (without `long_about` when the text is one
/// line), and a flag's `.help(TEXT)` its [`plain_text`]. Only string literals are changed.
pub(super) struct PlainHelp;

impl VisitMut for PlainHelp {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        visit_mut::visit_expr_mut(self, expr);
        let syn::Expr::MethodCall(call) = expr else {
            return;
        };
        let Some(text) = literal_argument(call) else {
            return;
        };
        let plain = plain_text(&text);
        if call.method == "help" {
            call.args = syn::parse_quote! { #plain };
        } else if call.method == "about" {
            let first = plain.lines().next().unwrap_or_default().to_string();
            call.args = syn::parse_quote! { #first };
            if first != plain {
                *expr = syn::parse_quote! { #call.long_about(#plain) };
            }
        }
    }
}

/// The text of `call`'s one argument when it is a string literal (`.help("...")`).
fn literal_argument(call: &syn::ExprMethodCall) -> Option<String> {
    let [syn::Expr::Lit(lit)] = call.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    match &lit.lit {
        syn::Lit::Str(text) => Some(text.value()),
        _ => None,
    }
}

/// `markdown` (Flatpeak's MDX) as a terminal shows it: MDX components' tags removed and their
/// text kept (`<Tip>text</Tip>`: `text`); a link `[text](url)` as `text (url)` when `url` is
/// absolute, as `text` when it is a page of Flatpeak's site (`/guides/...`, which the
/// terminal cannot open); `**bold**` as `bold`; a table's rows as aligned columns, without
/// its separator row and without the rows left empty (a header of empty links, `[]()`);
/// `*emphasis*` as `emphasis` ([`without_emphasis`]), a code span's tags and asterisks kept
/// (`` `Vec<Item>` ``); our citations of decisions dropped ([`without_decisions`]); no space at
/// the end of a line, no more than one blank line in a row, none at either end.
pub(super) fn plain_text(markdown: &str) -> String {
    let text = without_links(&without_components(&without_decisions(markdown))).replace("**", "");
    let lines = tables_as_columns(&without_emphasis(&text));
    tidy(&lines)
}

/// `text` without our specs' citations of the decisions behind a description (` (decision 11)`,
/// ` (decisions 2 and 7)`): they point a maintainer at the spec's list of decisions, and a
/// command's help has no use for them. A parenthesis that says more than that is kept.
fn without_decisions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" (decision") {
        let cited = &rest[at + 2..];
        let end = cited.find(')').map(|close| close + 3);
        let only_numbers = |inside: &str| {
            let words = inside
                .trim_start_matches("decisions")
                .trim_start_matches("decision");
            words
                .split_whitespace()
                .all(|w| w == "and" || w.trim_end_matches(',').parse::<u32>().is_ok())
        };
        match end {
            Some(end) if only_numbers(&rest[at + 2..at + end - 1]) => {
                out.push_str(&rest[..at]);
                rest = &rest[at + end..];
            }
            _ => {
                out.push_str(&rest[..at + 1]);
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `text` without the asterisks of markdown emphasis (`*large*` as `large`), line by line. A
/// `*` opens emphasis when it follows no letter or digit and precedes neither a space nor
/// another `*`, and the emphasis closes at the next `*` of the line that follows no space and
/// precedes no letter or digit; any other `*` is kept (a list's bullet, `5 * 3`, `a*b`), and
/// so is a code span's text (`` `*` ``).
fn without_emphasis(text: &str) -> String {
    let lines: Vec<String> = text.split('\n').map(line_without_emphasis).collect();
    lines.join("\n")
}

/// One line of [`without_emphasis`].
fn line_without_emphasis(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let end = match c {
            '`' => find_from(&chars, i + 1, |j| chars[j] == '`'),
            '*' if opens_emphasis(&chars, i) => {
                find_from(&chars, i + 2, |j| closes_emphasis(&chars, j))
            }
            _ => None,
        };
        match (c, end) {
            ('`', Some(end)) => out.extend(&chars[i..=end]),
            ('*', Some(end)) => out.extend(&chars[i + 1..end]),
            _ => out.push(c),
        }
        i = end.map_or(i + 1, |end| end + 1);
    }
    out
}

/// The first index from `from` on of `chars` where `found` holds.
fn find_from(chars: &[char], from: usize, found: impl Fn(usize) -> bool) -> Option<usize> {
    (from..chars.len()).find(|&j| found(j))
}

/// Whether the `*` at `i` of `chars` opens emphasis ([`without_emphasis`]).
fn opens_emphasis(chars: &[char], i: usize) -> bool {
    let after_word = i > 0 && chars[i - 1].is_alphanumeric();
    let next = chars.get(i + 1);
    !after_word && next.is_some_and(|c| !c.is_whitespace() && *c != '*')
}

/// Whether `chars[j]` is a `*` that closes emphasis ([`without_emphasis`]).
fn closes_emphasis(chars: &[char], j: usize) -> bool {
    let next = chars.get(j + 1);
    chars[j] == '*' && !chars[j - 1].is_whitespace() && next.is_none_or(|c| !c.is_alphanumeric())
}

/// `text` without the tags of MDX components: `<Name ...>`, `</Name>` and `<Name/>` where
/// `Name` starts with a capital letter, as a component's does (an HTML tag, or a placeholder
/// such as `<token>`, is kept, and so is a code span's text: `` `Vec<Item>` ``).
fn without_components(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['<', '`']) {
        out.push_str(&rest[..at]);
        let from = &rest[at..];
        let (kept, len) = match from.starts_with('`') {
            // A code span (on one line) is kept whole; a backtick that closes none, alone.
            true => {
                let end = from[1..]
                    .find(['`', '\n'])
                    .filter(|&end| from[1 + end..].starts_with('`'));
                let len = end.map_or(1, |end| end + 2);
                (&from[..len], len)
            }
            false => match component_tag_len(from) {
                Some(len) => ("", len),
                None => ("<", 1),
            },
        };
        out.push_str(kept);
        rest = &from[len..];
    }
    out.push_str(rest);
    out
}

/// The length of the component tag `text` starts with (`<Tip>`, `</Tip>`, `<Card title="x"/>`),
/// `None` when it starts with no such tag.
fn component_tag_len(text: &str) -> Option<usize> {
    let name = text.strip_prefix("</").or_else(|| text.strip_prefix('<'))?;
    if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    let end = 1 + text[1..].find(['>', '<'])?;
    (text.as_bytes()[end] == b'>').then_some(end + 1)
}

/// `text` with each markdown link `[label](url)` (and image, `![label](url)`) written as
/// [`link_text`] says; a `[` that starts no link is kept.
fn without_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('[') {
        out.push_str(&rest[..at]);
        let from = &rest[at..];
        match link(from) {
            Some((label, url, len)) => {
                if out.ends_with('!') {
                    out.pop();
                }
                out.push_str(&link_text(label, url));
                rest = &from[len..];
            }
            None => {
                out.push('[');
                rest = &from[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The link `text` starts with: its label, its URL and its length, for `[label](url)` on one
/// line (the label without brackets, the URL without spaces).
fn link(text: &str) -> Option<(&str, &str, usize)> {
    let close = text.find(']')?;
    let label = &text[1..close];
    if label.contains(['[', '\n']) {
        return None;
    }
    let after = text[close + 1..].strip_prefix('(')?;
    let end = after.find(')')?;
    let url = &after[..end];
    if url.contains(char::is_whitespace) {
        return None;
    }
    Some((label, url, close + 2 + end + 1))
}

/// How a link reads in a terminal: `label (url)` for an absolute URL (`url` alone when there
/// is no label or the label is the URL), `label` for one relative to Flatpeak's site.
fn link_text(label: &str, url: &str) -> String {
    let absolute = url.contains("://") || url.starts_with("mailto:");
    match (absolute, label.trim()) {
        (false, label) => label.to_string(),
        (true, "") => url.to_string(),
        (true, label) if label == url => url.to_string(),
        (true, label) => format!("{label} ({url})"),
    }
}

/// The lines of `text`, each run of table rows (lines starting with `|`) written by
/// [`columns`].
fn tables_as_columns(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut table: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with('|') {
            table.push(line);
            continue;
        }
        lines.extend(columns(&std::mem::take(&mut table)));
        lines.push(line.to_string());
    }
    lines.extend(columns(&table));
    lines
}

/// The rows of one table as aligned columns, two spaces apart, indented as its first row is:
/// without the separator row (`| --- | :-: |`) and the rows whose cells are all empty.
fn columns(rows: &[&str]) -> Vec<String> {
    let Some(first) = rows.first() else {
        return Vec::new();
    };
    let indent = &first[..first.len() - first.trim_start().len()];
    let kept: Vec<Vec<&str>> = rows
        .iter()
        .map(|row| cells(row))
        .filter(|cells| !is_separator(cells) && cells.iter().any(|c| !c.is_empty()))
        .collect();
    let width = |i: usize| {
        kept.iter()
            .filter_map(|row| row.get(i))
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..kept.iter().map(Vec::len).max().unwrap_or(0))
        .map(width)
        .collect();
    kept.iter()
        .map(|row| {
            let padded = row.iter().zip(&widths).map(|(c, &w)| format!("{c:w$}"));
            format!("{indent}{}", padded.collect::<Vec<_>>().join("  "))
                .trim_end()
                .to_string()
        })
        .collect()
}

/// The cells of a table row, trimmed: `| a | b |` and `| a | b` are `a` and `b`.
fn cells(row: &str) -> Vec<&str> {
    let row = row.trim();
    let row = row.strip_prefix('|').unwrap_or(row);
    let row = row.strip_suffix('|').unwrap_or(row);
    row.split('|').map(str::trim).collect()
}

/// Whether `cells` are a table's separator row: dashes, with colons for alignment.
fn is_separator(cells: &[&str]) -> bool {
    cells
        .iter()
        .all(|c| c.contains('-') && c.chars().all(|ch| matches!(ch, '-' | ':')))
}

/// `lines` joined, each without trailing spaces, with runs of blank lines made one and none at
/// either end.
fn tidy(lines: &[String]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in lines.iter().map(|l| l.trim_end()) {
        let blank_after_blank = line.is_empty() && out.last().is_none_or(|l| l.is_empty());
        if !blank_after_blank {
            out.push(line);
        }
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `description` in `value`, at any depth.
    fn descriptions(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(fields) => {
                for (name, field) in fields {
                    match (name.as_str(), field) {
                        ("description", serde_json::Value::String(text)) => out.push(text.clone()),
                        _ => descriptions(field, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| descriptions(i, out)),
            _ => {}
        }
    }

    /// Every description of every release's spec (`openapi/*.yaml`), with its file.
    fn real_descriptions() -> Vec<(String, String)> {
        let dir = crate::workspace::root().join("openapi");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let spec = spec_model::Spec::load(&path).unwrap();
                let mut texts = Vec::new();
                descriptions(&spec.document, &mut texts);
                let file = path.display().to_string();
                found.extend(texts.into_iter().map(|t| (file.clone(), t)));
            }
        }
        found
    }

    #[test]
    fn no_markup_is_left_in_any_description_of_the_specs() {
        let all = real_descriptions();
        assert!(all.len() > 100, "{} descriptions", all.len());
        let markup = [
            "<Tip>",
            "<Info>",
            "<Warning>",
            "<Note>",
            "</",
            "](",
            "[]()",
            "| -",
            "*",
        ];
        for (file, text) in &all {
            let plain = plain_text(text);
            let left: Vec<_> = markup.iter().filter(|m| plain.contains(*m)).collect();
            assert!(left.is_empty(), "{file}: {left:?} in {plain:?}");
            assert!(
                !plain.contains("\n\n\n") && plain.trim() == plain,
                "{plain:?}"
            );
        }
    }

    #[test]
    fn the_login_description_reads_as_plain_text() {
        let login = real_descriptions()
            .into_iter()
            .find(|(_, t)| t.starts_with("Flatpeak API uses [bearer authentication]"))
            .unwrap()
            .1;
        assert_eq!(
            plain_text(&login),
            "Flatpeak API uses bearer authentication (also called token authentication) to \
             authorize access to API endpoints. To create a bearer token, use this `/login` \
             endpoint with basic auth:\n\
             \n  `username`  Your Flatpeak Account ID.\
             \n  `password`  Any of your Flatpeak API Keys.\
             \n\nAccount ID and API Keys can be found on API Keys \
             (https://dashboard.flatpeak.com/keys/api) page of Dashboard."
        );
    }

    #[test]
    fn citations_of_decisions_are_dropped_and_other_parentheses_kept() {
        assert_eq!(
            plain_text("Its id (decision 11). Gone (decisions 2 and 7), kept (decision, see 3)."),
            "Its id. Gone, kept (decision, see 3)."
        );
        assert_eq!(
            plain_text("(decision 4) starts; ends (decision 12)"),
            "(decision 4) starts; ends"
        );
    }

    #[test]
    fn components_are_removed_and_their_text_kept() {
        assert_eq!(
            plain_text(
                "<Warning>Unsupported.</Warning>\n\nUpdates.\n<Note>a <b>b</b> <token></Note>"
            ),
            "Unsupported.\n\nUpdates.\na <b>b</b> <token>"
        );
        assert_eq!(plain_text("x < y and <Card title=\"t\"/>z"), "x < y and z");
        assert_eq!(
            plain_text("<Info>A `Vec<Item>` or `</Tip>`, and a lone ` <Tip>b</Tip>\n`c`"),
            "A `Vec<Item>` or `</Tip>`, and a lone ` b\n`c`"
        );
    }

    #[test]
    fn emphasis_loses_its_asterisks_and_other_asterisks_stay() {
        assert_eq!(
            plain_text(
                "*Useful when x.* Rate in *large* units. *Either a or b*. **Bold**, ***both***."
            ),
            "Useful when x. Rate in large units. Either a or b. Bold, both."
        );
        assert_eq!(
            plain_text("* a bullet\n5 * 3 * 2, a*b*c, `*x*` and *open"),
            "* a bullet\n5 * 3 * 2, a*b*c, `*x*` and *open"
        );
    }

    #[test]
    fn links_keep_absolute_urls_and_drop_the_sites_own() {
        assert_eq!(
            plain_text(
                "Use [Connect](/guides/integration-plan), see [ISO 3166](https://e.org/iso) or \
                 [https://a.b](https://a.b), [](https://c.d), [x] (y) and [a](b c)."
            ),
            "Use Connect, see ISO 3166 (https://e.org/iso) or https://a.b, https://c.d, [x] (y) \
             and [a](b c)."
        );
    }

    #[test]
    fn a_table_becomes_aligned_columns_without_its_empty_header_and_separator() {
        let table = "Rows:\n\n | a | long cell |\n | --- | :-: |\n | [x](/y) | b\n";
        assert_eq!(plain_text(table), "Rows:\n\n a  long cell\n x  b");
        assert_eq!(plain_text("| []() | []() |\n| - | - |\n\n\nEnd"), "End");
    }

    #[test]
    fn about_becomes_its_first_line_and_the_whole_text_long_about() {
        let mut file: syn::File = syn::parse_quote! {
            fn cli() -> Command {
                Command::new("")
                    .arg(Arg::new("a").help("See [it](/x)."))
                    .arg(Arg::new("b").help(crate::all::HELP))
                    .about("Summary\n\n<Info>Said [there](https://x.y).</Info>")
            }
            fn one_line() -> Command { Command::new("").about("Summary only") }
        };
        PlainHelp.visit_file_mut(&mut file);
        let text = prettyplease::unparse(&file);
        assert!(text.contains(".help(\"See it.\")"), "{text}");
        assert!(text.contains(".help(crate::all::HELP)"), "{text}");
        assert!(text.contains(".about(\"Summary\")"), "{text}");
        assert!(
            text.contains(".long_about(\"Summary\\n\\nSaid there (https://x.y).\")"),
            "{text}"
        );
        assert!(
            text.contains(".about(\"Summary only\")") && text.matches("long_about").count() == 1,
            "{text}"
        );
    }
}
