//! robots.txt: the group for our user agent (else `*`), longest matching rule wins, `Allow`
//! over `Disallow` on a tie; `*` and `$` in paths as the major crawlers read them.

/// (allow, pattern).
type Rule = (bool, String);

#[derive(Debug, Clone, Default)]
pub struct Robots {
    /// The rules of the group that applies to us.
    rules: Vec<Rule>,
}

impl Robots {
    /// Everything allowed: no robots.txt, or none readable.
    pub fn allow_all() -> Self {
        Self::default()
    }

    pub fn parse(text: &str, user_agent: &str) -> Self {
        let ours = user_agent
            .split('/')
            .next()
            .unwrap_or(user_agent)
            .to_lowercase();
        // (user agents, rules) per group.
        let mut groups: Vec<(Vec<String>, Vec<Rule>)> = Vec::new();
        let mut in_agents = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((field, value)) = line.split_once(':') else {
                continue;
            };
            let (field, value) = (field.trim().to_lowercase(), value.trim().to_owned());
            match field.as_str() {
                "user-agent" => {
                    if !in_agents {
                        groups.push((Vec::new(), Vec::new()));
                    }
                    in_agents = true;
                    if let Some(group) = groups.last_mut() {
                        group.0.push(value.to_lowercase());
                    }
                }
                "allow" | "disallow" => {
                    in_agents = false;
                    if let Some(group) = groups.last_mut()
                        && !value.is_empty()
                    {
                        group.1.push((field == "allow", value));
                    }
                }
                _ => in_agents = false,
            }
        }
        let pick = |matches: &dyn Fn(&str) -> bool| {
            groups
                .iter()
                .find(|(agents, _)| agents.iter().any(|a| matches(a)))
                .map(|(_, rules)| rules.clone())
        };
        let rules = pick(&|a| a != "*" && ours.contains(a))
            .or_else(|| pick(&|a| a == "*"))
            .unwrap_or_default();
        Self { rules }
    }

    /// Whether `path` (with its query) may be fetched.
    pub fn allows(&self, path: &str) -> bool {
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if matches(pattern, path) {
                let length = pattern.len();
                let better = match best {
                    None => true,
                    Some((l, a)) => length > l || (length == l && *allow && !a),
                };
                if better {
                    best = Some((length, *allow));
                }
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// A robots.txt path pattern: a prefix, where `*` is any run and a final `$` anchors.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut at = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(part) {
                return false;
            }
            at = part.len();
        } else {
            match path[at..].find(part) {
                Some(found) => at += found + part.len(),
                None => return false,
            }
        }
    }
    !anchored || at == path.len() || parts.last().is_some_and(|p| p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_group_wins_and_the_longest_rule_decides() {
        let robots = Robots::parse(
            "User-agent: *\nDisallow: /\n\nUser-agent: PrepQBot\nDisallow: /private\nAllow: /private/open\nDisallow: /*.pdf$\n",
            "PrepQBot/1.0 (+https://prepq.example)",
        );
        assert!(robots.allows("/jobs/1"));
        assert!(!robots.allows("/private/x"));
        assert!(robots.allows("/private/open/1"));
        assert!(!robots.allows("/files/cv.pdf"));
        assert!(robots.allows("/files/cv.pdf?x=1"));
        let others = Robots::parse("User-agent: *\nDisallow: /admin\n", "PrepQBot/1.0");
        assert!(!others.allows("/admin/1") && others.allows("/jobs"));
    }
}
