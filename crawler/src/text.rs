//! Text from HTML: block elements become line breaks, entities are decoded by the HTML
//! parser, runs of spaces collapse, and script and style are dropped.

use scraper::{Html, Node};

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "hr",
    "dd",
    "dt",
];

/// The readable text of an HTML fragment or document.
pub fn clean_html(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    text_of(fragment.tree.root())
}

/// The readable text under a node of a parsed page.
pub fn text_of(node: ego_tree::NodeRef<'_, Node>) -> String {
    let mut raw = String::new();
    walk(node, &mut raw);
    tidy(&raw)
}

fn walk(node: ego_tree::NodeRef<'_, Node>, out: &mut String) {
    for child in node.children() {
        match child.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(element) => {
                let name = element.name();
                if matches!(name, "script" | "style" | "noscript" | "template") {
                    continue;
                }
                // A list item starts a line; other blocks stand apart.
                let block = BLOCKS.contains(&name) && name != "li";
                if block {
                    out.push('\n');
                }
                if name == "li" {
                    out.push_str("\n- ");
                }
                walk(child, out);
                if block {
                    out.push('\n');
                }
            }
            _ => walk(child, out),
        }
    }
}

/// Collapses spaces within lines and blank lines between them.
pub fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_break_lines_entities_decode_and_scripts_go() {
        let html = "<h2>About&nbsp;us</h2><p>We   build &amp; ship.</p><script>x()</script>\
                    <ul><li>Go</li><li>Rust &lt;3</li></ul>";
        assert_eq!(
            clean_html(html),
            "About us\n\nWe build & ship.\n\n- Go\n- Rust <3"
        );
    }
}
