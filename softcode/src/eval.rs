//! AST -> text, in a `Context`, against a `Host`. Enforces PennMUSH's limits: function
//! invocations per evaluation, function recursion depth, the 8,191-character buffer, and
//! a wall-clock budget checked every few invocations. The command queue reuses `Eval`
//! for `$`-commands, `@trigger`, `@switch` and `@dolist`.

use std::time::{Duration, Instant};

use crate::context::Context;
use crate::functions::{self, ArgMode};
use crate::host::{Dbref, Host};
use crate::parse::{self, Arg, Call, Expr, Lazy, Mode, Node, ParseError, Pronoun, Sub, Token};

/// PennMUSH's BUFFER_LEN - 1: the most characters any one result may hold.
pub const MAX_OUTPUT: usize = 8191;

pub const E_INVOKE: &str = "#-1 FUNCTION INVOCATION LIMIT EXCEEDED";
pub const E_RECURSION: &str = "#-1 FUNCTION RECURSION LIMIT EXCEEDED";
pub const E_NOTVIS: &str = "#-1 NO SUCH OBJECT VISIBLE";
pub const E_ARGRANGE: &str = "#-1 ARGUMENT OUT OF RANGE";
pub const E_INT: &str = "#-1 ARGUMENT MUST BE INTEGER";

/// Per-evaluation limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Function invocations per evaluation (PennMUSH `function_invocation_limit`).
    pub invocations: u32,
    /// Nested function bodies (PennMUSH `function_recursion_limit`).
    pub recursion: u32,
    /// Wall-clock budget for one evaluation.
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            invocations: 25_000,
            recursion: 50,
            time: Duration::from_millis(500),
        }
    }
}

/// Append `s` to `out`, never letting `out` exceed `MAX_OUTPUT` bytes (cut at a char
/// boundary). Every function writes its output through this.
pub fn push(out: &mut String, s: &str) {
    let room = MAX_OUTPUT.saturating_sub(out.len());
    if s.len() <= room {
        out.push_str(s);
    } else {
        let mut cut = room;
        while cut > 0 && !s.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(s.get(..cut).unwrap_or(""));
    }
}

/// Append one character, respecting the cap.
pub fn push_char(out: &mut String, c: char) {
    if out.len() + c.len_utf8() <= MAX_OUTPUT {
        out.push(c);
    }
}

/// Arguments as a function sees them: evaluated text for FN_REG functions, raw text (and
/// the parse, via `Eval::lazy`) for FN_NOPARSE ones.
pub struct Args<'a> {
    vals: Vec<String>,
    nodes: &'a [Arg],
}

impl<'a> Args<'a> {
    pub fn len(&self) -> usize {
        self.vals.len()
    }
    pub fn is_empty(&self) -> bool {
        self.vals.is_empty()
    }
    /// Argument `i`'s text ("" if absent): evaluated for FN_REG, raw for lazy functions.
    pub fn get(&self, i: usize) -> &str {
        self.vals.get(i).map_or("", |s| s.as_str())
    }
    pub fn all(&self) -> &[String] {
        &self.vals
    }
    fn node(&self, i: usize) -> Option<&'a Arg> {
        self.nodes.get(i)
    }
}

enum TokFrame {
    Barrier,
    Bind(Token, String),
}

/// One evaluation: a context, a host and the running counters.
pub struct Eval<'h> {
    pub host: &'h mut dyn Host,
    pub ctx: Context,
    pub limits: Limits,
    pub invocations: u32,
    pub recursion: u32,
    start: Instant,
    aborted: bool,
    tokens: Vec<TokFrame>,
}

impl<'h> Eval<'h> {
    pub fn new(host: &'h mut dyn Host, ctx: Context) -> Self {
        Eval {
            host,
            ctx,
            limits: Limits::default(),
            invocations: 0,
            recursion: 0,
            start: Instant::now(),
            aborted: false,
            tokens: Vec::new(),
        }
    }

    /// True once the time budget ran out; all evaluation stops.
    pub fn aborted(&self) -> bool {
        self.aborted
    }

    /// Parse and evaluate `text`. Err means PennMUSH would fail the whole command.
    pub fn eval_str(&mut self, text: &str, mode: Mode) -> Result<String, ParseError> {
        let e = parse::parse(text, mode)?;
        let mut out = String::new();
        self.eval_expr(&e, &mut out);
        Ok(out)
    }

    /// Evaluate a parsed expression, appending to `out`.
    pub fn eval_expr(&mut self, e: &Expr, out: &mut String) {
        for n in &e.nodes {
            if self.aborted {
                return;
            }
            match n {
                Node::Text(t) => push(out, t),
                Node::Sub { sub, upper } => {
                    let at = out.len();
                    self.eval_sub(sub, out);
                    if *upper {
                        capitalize_from(out, at);
                    }
                }
                Node::Token(t) => match self.token_value(*t) {
                    Some(v) => {
                        let v = v.to_string();
                        push(out, &v)
                    }
                    None => push(out, t.text()),
                },
                Node::Call(c) => self.eval_call(c, out),
                Node::CommaNotice(name) => {
                    let ex = self.ctx.executor;
                    let owner = self.host.owner(ex);
                    let msg = if self.ctx.attr_name.is_empty() {
                        format!("Unescaped comma in final arg of {name} by #{ex}. This behavior is deprecated.")
                    } else {
                        format!(
                            "Unescaped comma in final arg of {name} by #{ex} in {}. This behavior is deprecated.",
                            self.ctx.attr_name
                        )
                    };
                    self.host.notify(owner, &msg);
                }
            }
        }
    }

    /// Evaluate to a fresh string.
    pub fn eval_to_string(&mut self, e: &Expr) -> String {
        let mut s = String::new();
        self.eval_expr(e, &mut s);
        s
    }

    fn token_value(&self, t: Token) -> Option<&str> {
        let start = self
            .tokens
            .iter()
            .rposition(|f| matches!(f, TokFrame::Barrier))
            .map_or(0, |i| i + 1);
        self.tokens.get(start..)?.iter().find_map(|f| match f {
            TokFrame::Bind(k, v) if *k == t => Some(v.as_str()),
            _ => None,
        })
    }

    /// Start a new lexical scope for `##`-style tokens (u() and other attribute
    /// evaluation: text that did not come from the iter() body is not substituted).
    pub fn push_token_barrier(&mut self) {
        self.tokens.push(TokFrame::Barrier);
    }
    pub fn pop_token_barrier(&mut self) {
        self.tokens.pop();
    }

    /// Evaluate lazy argument `i` into `out`.
    pub fn lazy_into(&mut self, args: &Args, i: usize, out: &mut String) {
        match args.node(i) {
            Some(Arg::Lazy(l)) => self.eval_expr(&l.expr, out),
            Some(Arg::Eval(_)) => push(out, args.get(i)),
            None => {}
        }
    }

    /// Evaluate lazy argument `i` to a string.
    pub fn lazy(&mut self, args: &Args, i: usize) -> String {
        let mut s = String::new();
        self.lazy_into(args, i, &mut s);
        s
    }

    /// Evaluate lazy argument `i` with `##`/`#@`/`#$` bound, as PennMUSH's textual
    /// replacement would: token nodes when the values are plain text, otherwise the raw
    /// text is substituted and re-parsed.
    pub fn lazy_bound(&mut self, args: &Args, i: usize, binds: &[(Token, &str)], out: &mut String) {
        match args.node(i) {
            Some(Arg::Lazy(l)) => self.eval_bound(l, binds, out),
            Some(Arg::Eval(_)) => push(out, args.get(i)),
            None => {}
        }
    }

    fn eval_bound(&mut self, l: &Lazy, binds: &[(Token, &str)], out: &mut String) {
        if !l.expr.has_tokens {
            return self.eval_expr(&l.expr, out);
        }
        let eff: Vec<(Token, &str)> = binds
            .iter()
            .filter(|(t, _)| self.token_value(*t).is_none())
            .copied()
            .collect();
        if eff.is_empty() {
            return self.eval_expr(&l.expr, out);
        }
        if l.expr.dynamic || eff.iter().any(|(_, v)| !plain_value(v)) {
            let text = replace_tokens(&l.raw, &eff);
            if let Ok(e) = parse::parse(&text, Mode::Default) {
                self.eval_expr(&e, out);
            }
            return;
        }
        let n = eff.len();
        for (t, v) in eff {
            self.tokens.push(TokFrame::Bind(t, v.to_string()));
        }
        self.eval_expr(&l.expr, out);
        for _ in 0..n {
            self.tokens.pop();
        }
    }

    fn check_time(&mut self) {
        if self.invocations % 64 == 0 && self.start.elapsed() > self.limits.time && !self.aborted {
            self.aborted = true;
            let en = self.ctx.enactor;
            if self.host.exists(en) {
                self.host.notify(en, "CPU usage exceeded.");
            }
        }
    }

    fn eval_call(&mut self, call: &Call, out: &mut String) {
        let def = functions::def(call.func);
        if self.invocations >= self.limits.invocations {
            if !out.ends_with(E_INVOKE) {
                push(out, E_INVOKE);
            }
            return;
        }
        if self.recursion + 1 >= self.limits.recursion {
            push(out, E_RECURSION);
            return;
        }
        let mut vals = Vec::with_capacity(call.args.len());
        for a in &call.args {
            match a {
                Arg::Eval(e) => {
                    let mut s = String::new();
                    self.eval_expr(e, &mut s);
                    vals.push(s);
                }
                Arg::Lazy(l) => vals.push(l.raw.to_string()),
            }
            if self.aborted {
                return;
            }
        }
        let mut nodes: &[Arg] = &call.args;
        if def.min == 0 && vals.len() == 1 && vals.first().is_some_and(|v| v.is_empty()) {
            vals.clear();
            nodes = &[];
        }
        let n = vals.len();
        if n < def.min || n > def.max {
            push(out, &functions::argcount_error(def, n));
            return;
        }
        let _ = def.mode == ArgMode::Eval;
        self.recursion += 1;
        self.invocations += 1;
        self.check_time();
        let args = Args { vals, nodes };
        (def.imp)(self, &args, out);
        self.recursion -= 1;
    }

    fn gender(&self) -> u8 {
        let sex = self.host.attr(self.ctx.enactor, "SEX").unwrap_or_default();
        match sex
            .trim_start()
            .bytes()
            .next()
            .map(|c| c.to_ascii_lowercase())
        {
            Some(b'm') => 2,
            Some(b'f') | Some(b'w') => 1,
            Some(b'p') => 3,
            _ => 0,
        }
    }

    fn dbref(out: &mut String, d: Dbref) {
        push(out, &format!("#{d}"));
    }

    fn eval_sub(&mut self, sub: &Sub, out: &mut String) {
        let en = self.ctx.enactor;
        match sub {
            Sub::Executor => Self::dbref(out, self.ctx.executor),
            Sub::Caller => Self::dbref(out, self.ctx.caller),
            Sub::Enactor => Self::dbref(out, en),
            Sub::EnactorObjid => {
                if self.host.exists(en) {
                    let t = self.host.creation_time(en);
                    push(out, &format!("#{en}:{t}"));
                } else {
                    push(out, E_NOTVIS);
                }
            }
            Sub::FunLimits => push(out, &format!("{} {}", self.invocations, self.recursion)),
            Sub::AccentedName | Sub::Name | Sub::Moniker => match self.host.name(en) {
                Some(n) => push(out, &n),
                None => push(out, E_NOTVIS),
            },
            Sub::ArgCount => push(out, &self.ctx.args.len().to_string()),
            Sub::AttrName => {
                let a = self.ctx.attr_name.clone();
                push(out, &a)
            }
            Sub::Arg(n) => {
                if let Some(a) = self.ctx.args.get(usize::from(*n)) {
                    let a = a.clone();
                    push(out, &a);
                }
            }
            Sub::Pronoun(p) => {
                if !self.host.exists(en) {
                    return push(out, E_NOTVIS);
                }
                let g = usize::from(self.gender());
                let table: [&str; 4] = match p {
                    Pronoun::Subjective => ["it", "she", "he", "they"],
                    Pronoun::Objective => ["it", "her", "him", "them"],
                    Pronoun::Possessive => ["its", "her", "his", "their"],
                    Pronoun::Absolute => ["its", "hers", "his", "theirs"],
                };
                push(out, table.get(g).copied().unwrap_or("it"));
            }
            Sub::Space => push(out, " "),
            Sub::Newline => push(out, "\n"),
            Sub::Tab => push(out, "\t"),
            Sub::CmdRaw => {
                let c = self.ctx.cmd_raw.clone();
                push(out, &c)
            }
            Sub::CmdEvaled => {
                let c = self.ctx.cmd_evaled.clone();
                push(out, &c)
            }
            Sub::Location => {
                if self.host.exists(en) {
                    let l = self.host.location(en);
                    Self::dbref(out, l)
                } else {
                    push(out, "#-1")
                }
            }
            Sub::QReg(e) => {
                let name = match e.as_literal() {
                    Some(l) => l.to_ascii_uppercase(),
                    None => self.eval_to_string(e).to_ascii_uppercase(),
                };
                if let Some(v) = self.ctx.qregs.get(name.as_str()) {
                    let v = v.clone();
                    push(out, &v);
                }
            }
            Sub::IterText { n, switch } => {
                let stack: Vec<&str> = if *switch {
                    self.ctx.switch.iter().map(|s| s.as_str()).collect()
                } else {
                    self.ctx.iter.iter().map(|f| f.text.as_str()).collect()
                };
                if stack.is_empty() {
                    return push(out, E_ARGRANGE);
                }
                let lev = stack.len() - 1;
                let idx = n.map_or(lev, usize::from);
                match stack.get(lev.wrapping_sub(idx)) {
                    Some(t) if idx <= lev => {
                        let t = t.to_string();
                        push(out, &t)
                    }
                    _ => push(out, E_ARGRANGE),
                }
            }
            Sub::IterBad { switch } => {
                let empty = if *switch {
                    self.ctx.switch.is_empty()
                } else {
                    self.ctx.iter.is_empty()
                };
                push(out, if empty { E_ARGRANGE } else { E_INT });
            }
            Sub::Attr(name) => {
                let name = String::from_utf8_lossy(name).into_owned();
                if let Some(v) = self.host.attr(self.ctx.executor, &name) {
                    push(out, &v);
                }
            }
            Sub::Char(c) => push_char(out, *c),
        }
    }
}

fn capitalize_from(out: &mut String, at: usize) {
    if let Some(rest) = out.get(at..) {
        if let Some(c) = rest.chars().next() {
            if c.is_ascii_lowercase() {
                let up = c.to_ascii_uppercase().to_string();
                out.replace_range(at..at + 1, &up);
            }
        }
    }
}

/// Can `v` stand in for a `##` token without changing how the text would parse?
fn plain_value(v: &str) -> bool {
    !v.starts_with(' ')
        && !v.ends_with(' ')
        && !v.contains("  ")
        && !v.bytes().any(|c| {
            matches!(
                c,
                b'%' | b'[' | b']' | b'{' | b'}' | b'(' | b')' | b'\\' | b',' | b';' | b'$' | 0x1b
            )
        })
}

/// PennMUSH's textual token replacement, left to right, one pass.
pub fn replace_tokens(raw: &str, binds: &[(Token, &str)]) -> String {
    let mut s = String::with_capacity(raw.len());
    let mut rest = raw;
    while !rest.is_empty() {
        let hit = binds.iter().find(|(t, _)| rest.starts_with(t.text()));
        if let Some((_, v)) = hit {
            s.push_str(v);
            rest = rest.get(2..).unwrap_or("");
        } else {
            let mut ch = rest.chars();
            if let Some(c) = ch.next() {
                s.push(c);
            }
            rest = ch.as_str();
        }
    }
    s
}
