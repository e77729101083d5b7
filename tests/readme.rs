//! The documentation is current: its generated tables equal what the commands print now, and
//! every relative link of the Markdown files (README.md, docs/, ...) leads to a file that exists,
//! and to a heading of it when it names one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;

#[test]
fn the_apdu_count_table_is_current() {
    let o = cccd(&["counts", "--markdown"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    assert_eq!(
        generated_block("apdu-counts"),
        table.trim(),
        "update {GENERATED_TABLES_PAGE} with `cccd counts --markdown`"
    );
}

/// Directories that hold no documentation of the repository (build output, fuzzing runs).
const NOT_DOCUMENTATION: [&str; 5] = ["target", ".git", "corpus", "artifacts", "coverage"];

/// Every Markdown file of the repository, relative to its root.
fn markdown_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !NOT_DOCUMENTATION.contains(&name.as_str()) {
                markdown_files(root, &path, out);
            }
        } else if name.ends_with(".md") {
            out.push(path.strip_prefix(root).unwrap().to_path_buf());
        }
    }
}

/// The lines of a Markdown text outside fenced code blocks, with their numbers, and with inline
/// code spans blanked (a link or a heading inside backticks is text, not Markdown).
fn prose_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut kept = String::new();
        let mut in_code = false;
        for c in line.chars() {
            if c == '`' {
                in_code = !in_code;
                kept.push('`');
            } else {
                kept.push(if in_code { ' ' } else { c });
            }
        }
        out.push((n + 1, kept));
    }
    out
}

/// The anchors GitHub gives a file's headings: lower case, punctuation dropped (backticks too),
/// spaces to hyphens, and `-1`, `-2`... for repeats.
fn anchors(text: &str) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let Some(title) = line.strip_prefix('#').filter(|_| !fenced) else {
            continue;
        };
        let title = title.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let n = seen.entry(slug.clone()).or_insert(0);
        out.push(if *n == 0 {
            slug.clone()
        } else {
            format!("{slug}-{n}")
        });
        *n += 1;
    }
    out
}

/// The destinations of the inline links `[text](destination)` of a prose line.
fn link_destinations(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let Some(end) = after.find(')') else { break };
        let dest = after[..end].split_whitespace().next().unwrap_or("");
        out.push(dest.to_owned());
        rest = &after[end..];
    }
    out
}

/// Every broken relative link of `file` (relative to `root`): a missing file, or a missing
/// heading anchor in a Markdown file.
fn broken_links(root: &Path, file: &Path) -> (usize, Vec<String>) {
    let text = std::fs::read_to_string(root.join(file)).unwrap();
    let mut checked = 0;
    let mut broken = Vec::new();
    for (n, line) in prose_lines(&text) {
        for dest in link_destinations(&line) {
            if dest.is_empty() || dest.contains("://") || dest.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, anchor) = match dest.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (dest.as_str(), None),
            };
            let target = if path.is_empty() {
                root.join(file)
            } else {
                root.join(file).parent().unwrap().join(path)
            };
            let place = format!("{}:{n}: ({dest})", file.display());
            if !target.exists() {
                broken.push(format!("{place}: no file {}", target.display()));
                continue;
            }
            if let Some(anchor) = anchor {
                let is_markdown = target.extension().is_some_and(|e| e == "md");
                let known = is_markdown
                    && anchors(&std::fs::read_to_string(&target).unwrap())
                        .iter()
                        .any(|a| a == anchor);
                if !known {
                    broken.push(format!("{place}: no heading #{anchor} in {path}"));
                }
            }
        }
    }
    (checked, broken)
}

#[test]
fn every_relative_link_of_the_documentation_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    markdown_files(root, root, &mut files);
    files.sort();
    for must in ["README.md", "docs/cli.md", GENERATED_TABLES_PAGE] {
        assert!(
            files.iter().any(|f| f == Path::new(must)),
            "{must} not found among {files:?}"
        );
    }
    let mut checked = 0;
    let mut broken = Vec::new();
    for file in &files {
        let (n, b) = broken_links(root, file);
        checked += n;
        broken.extend(b);
    }
    assert!(
        broken.is_empty(),
        "broken links:\n  {}",
        broken.join("\n  ")
    );
    let (readme_links, _) = broken_links(root, Path::new("README.md"));
    assert!(
        readme_links >= 10,
        "the README links to only {readme_links} pages of its own: is the link reader broken?"
    );
    eprintln!(
        "{checked} relative links checked in {} Markdown files",
        files.len()
    );
}

#[test]
fn the_link_reader_finds_links_and_anchors() {
    assert_eq!(
        link_destinations("see [a](docs/a.md#x-y) and [b](../b.md \"title\"), not (c)"),
        ["docs/a.md#x-y", "../b.md"]
    );
    let prose = prose_lines("[a](x.md) `[b](y.md)`\n```\n[c](z.md)\n```\n[d](w.md)");
    let found: Vec<String> = prose
        .iter()
        .flat_map(|(_, l)| link_destinations(l))
        .collect();
    assert_eq!(found, ["x.md", "w.md"]);
    assert_eq!(
        anchors(
            "# Title\n## `scripts/fresh-check`\n```\n# not a heading\n```\n## Reading time on a \
             desk: `cccd bench` and the link model\n## Title\n#nope"
        ),
        [
            "title",
            "scriptsfresh-check",
            "reading-time-on-a-desk-cccd-bench-and-the-link-model",
            "title-1"
        ]
    );
}
