//! Text back from a parse, for DEBUG traces: a call as it was written (near enough:
//! `[]` and escapes that only grouped text are not kept), so an object set DEBUG can show
//! its owner `#5! add(1,mul(2,3)) => 7`.

use crate::functions;
use crate::parse::{Arg, Call, Expr, Node, Pronoun, Sub};

/// `name(arg,arg...)` as written.
pub fn call(c: &Call, out: &mut String) {
    out.push_str(&functions::def(c.func).name.to_ascii_lowercase());
    out.push('(');
    for (i, a) in c.args.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match a {
            Arg::Eval(e) => expr(e, out),
            Arg::Lazy(l) => out.push_str(&l.raw),
        }
    }
    out.push(')');
}

/// Whether any argument of `c` holds a call of its own (then the trace announces the
/// call before its arguments are evaluated, as PennMUSH's does).
pub fn has_nested_call(c: &Call) -> bool {
    c.args.iter().any(|a| match a {
        Arg::Eval(e) => e
            .nodes
            .iter()
            .any(|n| matches!(n, Node::Call(_) | Node::DynCall(_))),
        Arg::Lazy(_) => false,
    })
}

fn expr(e: &Expr, out: &mut String) {
    for (i, n) in e.nodes.iter().enumerate() {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Sub { sub, upper } => substitution(sub, *upper, out),
            Node::Token(t) => out.push_str(t.text()),
            // A call that starts the text is written bare, as PennMUSH finds it there;
            // elsewhere it needed brackets.
            Node::Call(c) if i == 0 => call(c, out),
            Node::Call(c) => {
                out.push('[');
                call(c, out);
                out.push(']');
            }
            Node::CommaNotice(_) => {}
            Node::DynCall(d) => {
                expr(&d.prefix, out);
                out.push('(');
                out.push_str(&d.raw);
            }
        }
    }
}

fn substitution(sub: &Sub, upper: bool, out: &mut String) {
    let code = |lower: char| {
        if upper {
            lower.to_ascii_uppercase()
        } else {
            lower
        }
    };
    out.push('%');
    match sub {
        Sub::Executor => out.push('!'),
        Sub::Caller => out.push('@'),
        Sub::Enactor => out.push('#'),
        Sub::EnactorObjid => out.push(':'),
        Sub::FunLimits => out.push('?'),
        Sub::AccentedName => out.push('~'),
        Sub::ArgCount => out.push('+'),
        Sub::AttrName => out.push('='),
        Sub::Arg(n) => out.push(char::from(b'0'.saturating_add(*n))),
        Sub::Pronoun(p) => out.push(code(match p {
            Pronoun::Subjective => 's',
            Pronoun::Objective => 'o',
            Pronoun::Possessive => 'p',
            Pronoun::Absolute => 'a',
        })),
        Sub::Space => out.push('b'),
        Sub::Newline => out.push('r'),
        Sub::Tab => out.push('t'),
        Sub::CmdRaw => out.push('c'),
        Sub::CmdEvaled => out.push('u'),
        Sub::Location => out.push('l'),
        Sub::Name => out.push(code('n')),
        Sub::Moniker => out.push(code('k')),
        Sub::QReg(name) => {
            out.push('q');
            let mut inner = String::new();
            expr(name, &mut inner);
            if inner.chars().count() == 1 {
                out.push_str(&inner);
            } else {
                out.push('<');
                out.push_str(&inner);
                out.push('>');
            }
        }
        Sub::IterText { n, switch } => {
            out.push(if *switch { '$' } else { 'i' });
            match n {
                Some(d) => out.push(char::from(b'0'.saturating_add(*d))),
                None => out.push('l'),
            }
        }
        Sub::IterBad { switch } => out.push(if *switch { '$' } else { 'i' }),
        Sub::Attr(pair) => pair.iter().for_each(|b| out.push(char::from(*b))),
        Sub::Char(c) => out.push(*c),
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::{parse, Mode, Node};

    fn unparsed(text: &str) -> String {
        let e = parse(text, Mode::Default).expect("parse");
        let mut out = String::new();
        for n in &e.nodes {
            if let Node::Call(c) = n {
                super::call(c, &mut out);
            }
        }
        out
    }

    #[test]
    fn calls_read_back_as_written() {
        assert_eq!(unparsed("add(1,mul(2,3))"), "add(1,mul(2,3))");
        assert_eq!(unparsed("cat(x [add(1,2)],y)"), "cat(x [add(1,2)],y)");
        assert_eq!(
            unparsed("strlen(%0 %qa %q<long>)"),
            "strlen(%0 %qA %q<long>)"
        );
        assert_eq!(unparsed("iter(a b,##)"), "iter(a b,##)");
    }
}

#[cfg(test)]
mod debug_tests {
    use crate::{Context, Eval, FreshDb, Mode};

    #[test]
    fn a_debug_evaluation_traces_each_call_to_its_watcher() {
        let mut db = FreshDb::new();
        let out = {
            let mut ev = Eval::new(&mut db, Context::new(1, 1, 1));
            ev.debug = Some(1);
            ev.eval_str("[add(1,mul(2,3))]", Mode::Default)
                .expect("eval")
        };
        assert_eq!(out, "7");
        let lines: Vec<&str> = db.notifications.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            lines,
            [
                "#1! add(1,mul(2,3)) :",
                "#1!  mul(2,3) => 6",
                "#1! add(1,mul(2,3)) => 7"
            ]
        );
    }
}
