//! Wildcard matching: strmatch(), plus `wild_regex`/`wild_captures`, a linear-time
//! PennMUSH glob (`*`, `?`, `\` escapes, case-insensitive) with `*`/`?` captures, for
//! other families to reuse.

use fancy_regex::{Regex, RegexBuilder};

use crate::eval::{push, Args, Eval};
use crate::functions::registers::setq;
use crate::functions::strings::is_special;
use crate::functions::FnDef;

/// Compile a PennMUSH wildcard pattern to an anchored regex in which every `*` and `?`
/// is a capture group (`*` matches as little as possible, as PennMUSH's matcher does).
pub fn wild_regex(pat: &str, case_sensitive: bool) -> Option<Regex> {
    let mut r = String::from("(?s)^");
    let mut it = pat.chars();
    while let Some(c) = it.next() {
        match c {
            '*' => r.push_str("(.*?)"),
            '?' => r.push_str("(.)"),
            '\\' => match it.next() {
                Some(d) => r.push_str(&fancy_regex::escape(&d.to_string())),
                None => r.push_str("\\\\"),
            },
            c => r.push_str(&fancy_regex::escape(&c.to_string())),
        }
    }
    r.push('$');
    RegexBuilder::new(&r)
        .case_insensitive(!case_sensitive)
        .backtrack_limit(200_000)
        .build()
        .ok()
}

/// Match `s` against wildcard `pat`; on success, the texts of the `*`/`?` captures.
pub fn wild_captures(pat: &str, s: &str, case_sensitive: bool) -> Option<Vec<String>> {
    let re = wild_regex(pat, case_sensitive)?;
    let caps = re.captures(s).ok().flatten()?;
    Some(
        caps.iter()
            .skip(1)
            .map(|m| m.map_or(String::new(), |m| m.as_str().to_string()))
            .collect(),
    )
}

/// Substitute `$N` and `$<N>` in unevaluated text with capture `N` (escaped, so the
/// evaluator takes it literally; "" when there is none). `\x` and `%x` pairs are copied
/// as they are, so `\$0` and `%$0` keep their own meanings.
pub fn subst_dollars<'c>(raw: &str, cap: impl Fn(usize) -> Option<&'c str>) -> String {
    let mut r = String::with_capacity(raw.len());
    let put = |r: &mut String, v: &str| {
        for c in v.chars() {
            if is_special(c) {
                r.push('\\');
            }
            r.push(c);
        }
    };
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        rest = rest.get(c.len_utf8()..).unwrap_or("");
        match c {
            '\\' | '%' => {
                r.push(c);
                if let Some(d) = rest.chars().next() {
                    r.push(d);
                    rest = rest.get(d.len_utf8()..).unwrap_or("");
                }
            }
            '$' => {
                if let Some(d) = rest.bytes().next().filter(u8::is_ascii_digit) {
                    put(&mut r, cap(usize::from(d - b'0')).unwrap_or(""));
                    rest = rest.get(1..).unwrap_or("");
                } else if let Some((name, after)) =
                    rest.strip_prefix('<').and_then(|t| t.split_once('>'))
                {
                    let v = name.trim().parse::<usize>().ok().and_then(&cap);
                    put(&mut r, v.unwrap_or(""));
                    rest = after;
                } else {
                    r.push('$');
                }
            }
            c => r.push(c),
        }
    }
    r
}

fn fun_strmatch(ev: &mut Eval, a: &Args, o: &mut String) {
    let caps = wild_captures(a.get(1), a.get(0), false);
    push(o, if caps.is_some() { "1" } else { "0" });
    if a.len() > 2 {
        if let Some(caps) = caps {
            for (i, name) in a.get(2).split_whitespace().enumerate() {
                if name == "-1" {
                    continue;
                }
                let v = caps.get(i).cloned().unwrap_or_default();
                setq(ev, name, &v);
            }
        }
    }
}

pub(crate) const FUNCTIONS: &[FnDef] = &[FnDef::new("STRMATCH", 2, 3, fun_strmatch)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(wild_captures("a\\*c", "a*c", false).is_some());
        assert!(wild_captures("*????*", "abc", false).is_none());
        assert_eq!(
            wild_captures("*b*", "abc", false),
            Some(vec!["a".to_string(), "c".to_string()])
        );
        let long = "a".repeat(5000);
        assert!(wild_captures("*a*a*a*a*a*a*a*b", &long, false).is_none());
    }
}
