//! The format of `../shared/oracle/*.tsv`, PennMUSH's recorded answers, shared by the
//! crate's oracle test and the server's world replay: rows, escapes and which
//! functions an expression calls (a case is only checked once all of them exist).

/// One row: family, function under test, expression and answer, unescaped (the escaped
/// expression is kept as the key of known-failure lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case<'a> {
    pub family: &'a str,
    pub function: &'a str,
    pub expr_escaped: &'a str,
    pub expr: String,
    pub want: String,
}

/// Every row after the header.
pub fn cases(tsv: &str) -> impl Iterator<Item = Case<'_>> {
    tsv.lines().skip(1).filter_map(|line| {
        let mut f = line.splitn(4, '\t');
        let (family, function, expr_escaped, want) = (f.next()?, f.next()?, f.next()?, f.next()?);
        Some(Case {
            family,
            function,
            expr_escaped,
            expr: unescape(expr_escaped),
            want: unescape(want),
        })
    })
}

/// Undoes the file's escapes: `\\`, `\t`, `\n`, `\r`, `\xNN`.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('\\') => out.push('\\'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('x') => {
                let h: String = it.by_ref().take(2).collect();
                if let Ok(b) = u8::from_str_radix(&h, 16) {
                    out.push(char::from(b));
                }
            }
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Upper-case names written right before a `(`: the functions an expression may call.
pub fn called_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in expr.char_indices() {
        if c.is_ascii_alphanumeric() || c == '_' {
            start.get_or_insert(i);
            continue;
        }
        if let (Some(s), '(') = (start, c) {
            if let Some(name) = expr.get(s..i) {
                names.push(name.to_ascii_uppercase());
            }
        }
        start = None;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_escapes_and_names() {
        let tsv = "family\tfunction\texpression\toutput\nmath\tadd\t\\\\[add(1,2)\\\\]\\x41\ta\\nb";
        let c: Vec<Case> = cases(tsv).collect();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].expr, "\\[add(1,2)\\]A");
        assert_eq!(c[0].want, "a\nb");
        assert_eq!(called_names("[add(1,mul(2,3))] x(y"), ["ADD", "MUL", "X"]);
        assert_eq!(called_names("é(1)"), Vec::<String>::new());
    }
}
