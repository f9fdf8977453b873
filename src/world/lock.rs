//! Lock keys: boolean expressions over who is trying, as PennMUSH players write them:
//! `#3`, `Name`, `=Name` (exactly that player), `flag^WIZARD`, `type^PLAYER`,
//! `name^B*`, `ATTR:pattern`, and `&`, `|`, `!`, parentheses. Names are resolved to
//! dbrefs when the lock is set.

use std::fmt;

use super::{Dbref, Flags, ObjectKind};

/// A parsed lock key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockKey {
    /// The enactor is this object or carries it.
    Object(Dbref),
    /// The enactor is exactly this object.
    Is(Dbref),
    /// The enactor has this flag (its name as written in the table).
    Flag(&'static str, u32),
    /// The enactor is of this type (`TYPE^PLAYER`).
    Type(ObjectKind),
    /// The enactor's name, one of its exit aliases or one of its `@alias`es matches a
    /// `*`/`?` pattern (`NAME^B*`).
    Name(String),
    /// The enactor's attribute matches a `*`/`?` pattern, case-insensitively.
    Attr(String, String),
    Not(Box<LockKey>),
    And(Box<LockKey>, Box<LockKey>),
    Or(Box<LockKey>, Box<LockKey>),
}

/// What a lock is checked against: the enactor's identity, flags and attributes.
pub trait Enactor {
    fn dbref(&self) -> Dbref;
    fn flags(&self) -> Flags;
    fn attr(&self, name: &str) -> Option<&str>;
    /// Its type; `None` passes no `TYPE^` key.
    fn kind(&self) -> Option<ObjectKind> {
        None
    }
    /// Its name as stored (an exit's holds its aliases after `;`).
    fn name(&self) -> &str {
        ""
    }
    /// Whether the enactor carries `what` (a `#dbref` key passes for its holder).
    fn carries(&self, _what: Dbref) -> bool {
        false
    }
}

impl LockKey {
    pub fn eval(&self, who: &dyn Enactor) -> bool {
        match self {
            LockKey::Object(d) => who.dbref() == *d || who.carries(*d),
            LockKey::Is(d) => who.dbref() == *d,
            LockKey::Flag(_, bit) => who.flags().has(*bit),
            LockKey::Type(kind) => who.kind() == Some(*kind),
            LockKey::Name(pattern) => {
                let aliases = who.attr("ALIAS").unwrap_or("");
                who.name()
                    .split(';')
                    .chain(aliases.split(';'))
                    .map(str::trim)
                    .any(|n| !n.is_empty() && glob(pattern, n))
            }
            LockKey::Attr(name, pattern) => who.attr(name).is_some_and(|v| glob(pattern, v)),
            LockKey::Not(k) => !k.eval(who),
            LockKey::And(a, b) => a.eval(who) && b.eval(who),
            LockKey::Or(a, b) => a.eval(who) || b.eval(who),
        }
    }
}

impl fmt::Display for LockKey {
    /// The canonical text, which `parse` reads back to the same key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockKey::Object(d) => write!(f, "{d}"),
            LockKey::Is(d) => write!(f, "={d}"),
            LockKey::Flag(name, _) => write!(f, "FLAG^{name}"),
            LockKey::Type(kind) => write!(f, "TYPE^{}", kind.as_str().to_ascii_uppercase()),
            LockKey::Name(pattern) => write!(f, "NAME^{pattern}"),
            LockKey::Attr(name, pattern) => write!(f, "{name}:{pattern}"),
            LockKey::Not(k) => write!(f, "!{}", Paren(k)),
            // A chain reads back left to right, so its left side needs no parentheses
            // (a long `a&b&c...` stays flat instead of nesting past the depth limit).
            LockKey::And(a, b) if matches!(**a, LockKey::And(..)) => write!(f, "{a}&{}", Paren(b)),
            LockKey::Or(a, b) if matches!(**a, LockKey::Or(..)) => write!(f, "{a}|{}", Paren(b)),
            LockKey::And(a, b) => write!(f, "{}&{}", Paren(a), Paren(b)),
            LockKey::Or(a, b) => write!(f, "{}|{}", Paren(a), Paren(b)),
        }
    }
}

/// Wraps compound keys in parentheses when printed inside another.
struct Paren<'a>(&'a LockKey);

impl fmt::Display for Paren<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            LockKey::And(..) | LockKey::Or(..) => write!(f, "({})", self.0),
            k => write!(f, "{k}"),
        }
    }
}

/// `*` and `?` wildcards, case-insensitive, without recursion blow-up.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        // A `*` in the pattern is always a wildcard, also facing a `*` in the text.
        if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Longest lock text accepted; deeper nesting than this is refused too.
const MAX_LEN: usize = 2048;
const MAX_DEPTH: usize = 64;

/// Parses a key; `resolve` turns a name into a dbref (or says why not).
pub fn parse(
    text: &str,
    resolve: &dyn Fn(&str) -> Result<Dbref, String>,
) -> Result<LockKey, String> {
    if text.len() > MAX_LEN {
        return Err("That lock is too long.".into());
    }
    let mut p = Parser {
        s: text.trim(),
        pos: 0,
        resolve,
        depth: 0,
    };
    let key = p.or()?;
    p.skip_ws();
    if p.pos < p.s.len() {
        return Err(format!(
            "I don't understand the lock at \"{}\".",
            &p.s[p.pos..]
        ));
    }
    Ok(key)
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    resolve: &'a dyn Fn(&str) -> Result<Dbref, String>,
    depth: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.s[self.pos..].starts_with(char::is_whitespace) {
            self.pos += self.s[self.pos..].chars().next().map_or(1, char::len_utf8);
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.s[self.pos..].starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<LockKey, String> {
        let mut left = self.and()?;
        while self.eat('|') {
            let right = self.and()?;
            left = LockKey::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<LockKey, String> {
        let mut left = self.not()?;
        while self.eat('&') {
            let right = self.not()?;
            left = LockKey::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<LockKey, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("That lock is nested too deeply.".into());
        }
        let key = if self.eat('!') {
            LockKey::Not(Box::new(self.not()?))
        } else {
            self.atom()?
        };
        self.depth -= 1;
        Ok(key)
    }

    fn atom(&mut self) -> Result<LockKey, String> {
        if self.eat('(') {
            let inner = self.or()?;
            if !self.eat(')') {
                return Err("A parenthesis in the lock is not closed.".into());
            }
            return Ok(inner);
        }
        let exact = self.eat('=');
        self.skip_ws();
        let start = self.pos;
        while let Some(c) = self.s[self.pos..].chars().next() {
            if matches!(c, '&' | '|' | '(' | ')') || (c == '!' && self.pos == start) {
                break;
            }
            self.pos += c.len_utf8();
        }
        let word = self.s[start..self.pos].trim();
        if word.is_empty() {
            return Err("Part of the lock is empty.".into());
        }
        if exact {
            return Ok(LockKey::Is(self.name(word)?));
        }
        if let Some(flag) = strip_prefix_ci(word, "flag^") {
            let (name, bit) =
                Flags::lookup(flag).ok_or_else(|| format!("I don't know the flag {flag}."))?;
            return Ok(LockKey::Flag(name, bit));
        }
        if let Some(kind) = strip_prefix_ci(word, "type^") {
            return type_named(kind)
                .map(LockKey::Type)
                .ok_or_else(|| format!("\"{kind}\" is not a type."));
        }
        if let Some(pattern) = strip_prefix_ci(word, "name^") {
            if pattern.is_empty() {
                return Err("A NAME^ key needs a pattern.".into());
            }
            return Ok(LockKey::Name(pattern.to_string()));
        }
        if let Some((attr, pattern)) = word.split_once(':') {
            if attr.is_empty() || attr.contains(char::is_whitespace) {
                return Err(format!("\"{attr}\" is not an attribute name."));
            }
            return Ok(LockKey::Attr(
                attr.to_ascii_uppercase(),
                pattern.to_string(),
            ));
        }
        Ok(LockKey::Object(self.name(word)?))
    }

    fn name(&self, word: &str) -> Result<Dbref, String> {
        match Dbref::parse(word) {
            // HOME's number is not an object a lock can name.
            Some(d) if d == Dbref::HOME => Err(format!("I don't know what \"{word}\" is.")),
            Some(d) => Ok(d),
            None => (self.resolve)(word),
        }
    }
}

/// `word` without `prefix` (ASCII, any case), when it starts with it.
fn strip_prefix_ci<'a>(word: &'a str, prefix: &str) -> Option<&'a str> {
    let head = word.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| word.get(prefix.len()..))
        .flatten()
}

/// A type by its name or a prefix of it (PennMUSH looks only at the first letter).
fn type_named(word: &str) -> Option<ObjectKind> {
    let lower = word.trim().to_ascii_lowercase();
    if lower.is_empty() {
        return None;
    }
    [
        ObjectKind::Player,
        ObjectKind::Thing,
        ObjectKind::Room,
        ObjectKind::Exit,
    ]
    .into_iter()
    .find(|k| k.as_str().starts_with(&lower))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Who {
        d: Dbref,
        flags: Flags,
        attrs: HashMap<String, String>,
        kind: Option<ObjectKind>,
        name: &'static str,
    }

    impl Enactor for Who {
        fn dbref(&self) -> Dbref {
            self.d
        }
        fn flags(&self) -> Flags {
            self.flags
        }
        fn attr(&self, name: &str) -> Option<&str> {
            self.attrs.get(name).map(String::as_str)
        }
        fn kind(&self) -> Option<ObjectKind> {
            self.kind
        }
        fn name(&self) -> &str {
            self.name
        }
    }

    fn resolve(name: &str) -> Result<Dbref, String> {
        match name.to_lowercase().as_str() {
            "bob" => Ok(Dbref(3)),
            "one" => Ok(Dbref(1)),
            _ => Err(format!("I can't find {name}.")),
        }
    }

    fn who(d: u32, flags: u32, attrs: &[(&str, &str)]) -> Who {
        Who {
            d: Dbref(d),
            flags: Flags(flags),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            kind: None,
            name: "",
        }
    }

    #[test]
    fn parses_evaluates_and_round_trips() {
        let key = parse("bob | (flag^WIZARD & !sex:m*)", &resolve).expect("parse");
        assert_eq!(key.to_string(), "#3|(FLAG^WIZARD&!SEX:m*)");
        assert_eq!(parse(&key.to_string(), &resolve).expect("reparse"), key);
        assert!(key.eval(&who(3, 0, &[])));
        assert!(key.eval(&who(5, Flags::WIZARD, &[("SEX", "female")])));
        assert!(!key.eval(&who(5, Flags::WIZARD, &[("SEX", "Male")])));
        assert!(!key.eval(&who(5, 0, &[])));
        let exact = parse("=One", &resolve).expect("parse");
        assert!(exact.eval(&who(1, 0, &[])) && !exact.eval(&who(2, 0, &[])));
    }

    #[test]
    fn type_and_name_keys() {
        let key = parse("type^p | NAME^b*", &resolve).expect("parse");
        assert_eq!(key.to_string(), "TYPE^PLAYER|NAME^b*");
        assert_eq!(parse(&key.to_string(), &resolve).expect("reparse"), key);
        let mut bob = who(3, 0, &[]);
        bob.kind = Some(ObjectKind::Player);
        bob.name = "Alice";
        assert!(key.eval(&bob), "a player");
        let mut exit = who(4, 0, &[]);
        exit.kind = Some(ObjectKind::Exit);
        exit.name = "Lab Door;bd";
        assert!(key.eval(&exit), "an exit alias matches");
        exit.name = "Lab Door;ld";
        assert!(!key.eval(&exit));
        let mut aliased = who(5, 0, &[("ALIAS", "Bobby")]);
        aliased.name = "Robert";
        assert!(key.eval(&aliased), "an @alias matches");
        assert!(parse("type^gadget", &resolve).is_err());
        assert!(parse("name^", &resolve).is_err());
    }

    #[test]
    fn bad_keys_say_why() {
        assert!(parse("(bob", &resolve).unwrap_err().contains("not closed"));
        assert!(parse("nobody", &resolve)
            .unwrap_err()
            .contains("can't find"));
        assert!(parse("flag^NOPE", &resolve).unwrap_err().contains("flag"));
        assert!(parse("bob &", &resolve).unwrap_err().contains("empty"));
        assert!(parse(&"!".repeat(100), &resolve).is_err());
        assert!(parse(&"(".repeat(5000), &resolve).is_err());
    }

    #[test]
    fn wildcards() {
        assert!(glob("m*", "Male"));
        assert!(glob("*a?e", "female"));
        assert!(!glob("m*", "female"));
        assert!(glob("*", ""));
    }
}
