//! AST -> text, in a `Context`, against a `Host`. Enforces PennMUSH's limits: function
//! invocations per evaluation, function recursion depth, the 8,191-character buffer, and
//! a wall-clock budget checked every few invocations. The command queue reuses `Eval`
//! for `$`-commands, `@trigger`, `@switch` and `@dolist`.

use std::time::{Duration, Instant};

use crate::context::{qreg_key, Context};
use crate::functions::registers::reg_name;
use crate::functions::{self, Perm};
use crate::host::{Dbref, Host};
use crate::parse::{
    self, Arg, Call, DynCall, Expr, Lazy, Mode, Node, ParseError, Pronoun, Sub, Token,
};

/// PennMUSH's BUFFER_LEN - 1: the most characters any one result may hold.
pub const MAX_OUTPUT: usize = 8191;

pub const E_INVOKE: &str = "#-1 FUNCTION INVOCATION LIMIT EXCEEDED";
pub const E_RECURSION: &str = "#-1 FUNCTION RECURSION LIMIT EXCEEDED";
pub const E_PERM: &str = "#-1 PERMISSION DENIED";
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

/// Append the decimal form of `v`, respecting the cap (no allocation).
pub fn push_i64(out: &mut String, v: i64) {
    let mut buf = itoa::Buffer::new();
    push(out, buf.format(v));
}

/// Most spare buffers an `Eval` keeps for reuse.
const POOL_MAX: usize = 64;

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

impl Args<'static> {
    /// Arguments built from values alone (no parse), for functions that call others.
    pub fn from_vals(vals: Vec<String>) -> Self {
        Args { vals, nodes: &[] }
    }
}

enum TokFrame {
    Barrier,
    /// A token and its value's byte range in `Eval::tok_text`.
    Bind(Token, usize, usize),
}

/// Up to three token bindings, without allocating.
struct Binds<'b> {
    n: usize,
    b: [(Token, &'b str); 3],
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
    /// The bound token values, end to end (a stack, like `tokens`).
    tok_text: String,
    /// Spare strings and argument vectors, reused across calls to avoid allocating.
    str_pool: Vec<String>,
    vec_pool: Vec<Vec<String>>,
    /// DEBUG: who sees a trace line per function call (`#exec! call => result`), and
    /// how many lines are left to send.
    pub debug: Option<Dbref>,
    debug_lines: u32,
    /// Calls being traced inside one another (the trace's indentation).
    debug_depth: usize,
}

/// Most DEBUG trace lines one evaluation sends.
pub const MAX_DEBUG_LINES: u32 = 1000;

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
            tok_text: String::new(),
            str_pool: Vec::new(),
            vec_pool: Vec::new(),
            debug: None,
            debug_lines: MAX_DEBUG_LINES,
            debug_depth: 0,
        }
    }

    /// An empty string, reused from earlier calls when possible.
    pub fn take_string(&mut self) -> String {
        self.str_pool.pop().unwrap_or_default()
    }

    /// Give a string back for reuse.
    pub fn give_string(&mut self, mut s: String) {
        if self.str_pool.len() < POOL_MAX {
            s.clear();
            self.str_pool.push(s);
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
                    Some(v) => push(out, v),
                    None => push(out, t.text()),
                },
                Node::Call(c) => self.eval_call(c, out),
                Node::DynCall(d) => self.eval_dyn_call(d, out),
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

    /// A call whose name is what its level printed first: the function if there is one
    /// by that name, else an error inside `[]`, else the text as it stands.
    fn eval_dyn_call(&mut self, d: &DynCall, out: &mut String) {
        let at = out.len();
        self.eval_expr(&d.prefix, out);
        let name = out.get(at..).unwrap_or("").to_ascii_uppercase();
        let known = !name.is_empty()
            && !name.starts_with('\u{1}')
            && (functions::lookup(&name).is_some() || functions::user::is_user_function(&name));
        if known {
            out.truncate(at);
            let text = format!("{name}({}", d.raw);
            if let Ok(e) = parse::parse(&text, Mode::Default) {
                self.eval_expr(&e, out);
            }
        } else if d.mandatory {
            out.truncate(at);
            push(out, &crate::suggest::not_found(&name));
        } else {
            self.eval_expr(&d.literal, out);
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
            TokFrame::Bind(k, s, e) if *k == t => self.tok_text.get(*s..*e),
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

    /// Evaluate unevaluated argument text (as a FN_NOPARSE function would have received
    /// it) with tokens bound, as `lazy_bound` does.
    pub fn eval_text_bound(&mut self, text: &str, binds: &[(Token, &str)], out: &mut String) {
        let Ok(expr) = parse::parse(text, Mode::Default) else {
            return push(out, text);
        };
        let l = Lazy {
            raw: text.into(),
            expr,
        };
        self.eval_bound(&l, binds, out)
    }

    fn eval_bound(&mut self, l: &Lazy, binds: &[(Token, &str)], out: &mut String) {
        if !l.expr.has_tokens {
            return self.eval_expr(&l.expr, out);
        }
        let mut eff = Binds {
            n: 0,
            b: [(Token::Item, ""); 3],
        };
        let mut spill: Vec<(Token, &str)> = Vec::new();
        for &(t, v) in binds {
            if self.token_value(t).is_none() {
                if let Some(slot) = eff.b.get_mut(eff.n) {
                    *slot = (t, v);
                    eff.n += 1;
                } else {
                    spill.push((t, v));
                }
            }
        }
        let eff: &[(Token, &str)] = if spill.is_empty() {
            eff.b.get(..eff.n).unwrap_or(&[])
        } else {
            spill.splice(0..0, eff.b.get(..eff.n).unwrap_or(&[]).iter().copied());
            &spill
        };
        if eff.is_empty() {
            return self.eval_expr(&l.expr, out);
        }
        if l.expr.dynamic || eff.iter().any(|(_, v)| !plain_value(v)) {
            let text = replace_tokens(&l.raw, eff);
            if let Ok(e) = parse::parse(&text, Mode::Default) {
                self.eval_expr(&e, out);
            }
            return;
        }
        let n = eff.len();
        let mark = self.tok_text.len();
        for &(t, v) in eff {
            let s = self.tok_text.len();
            self.tok_text.push_str(v);
            self.tokens.push(TokFrame::Bind(t, s, self.tok_text.len()));
        }
        self.eval_expr(&l.expr, out);
        for _ in 0..n {
            self.tokens.pop();
        }
        self.tok_text.truncate(mark);
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
        if self.debug.is_none() {
            return self.eval_call_inner(call, out);
        }
        // DEBUG: announce a call with nested ones, then its result, indented by depth.
        let mut source = String::new();
        crate::unparse::call(call, &mut source);
        let indent = " ".repeat(self.debug_depth.min(50) + 1);
        let prefix = format!("#{}!{indent}", self.ctx.executor);
        if crate::unparse::has_nested_call(call) {
            self.debug_line(&format!("{prefix}{source} :"));
        }
        let start = out.len();
        self.debug_depth += 1;
        self.eval_call_inner(call, out);
        self.debug_depth -= 1;
        let result = out.get(start..).unwrap_or_default().to_string();
        self.debug_line(&format!("{prefix}{source} => {result}"));
    }

    /// Sends one DEBUG trace line, while the evaluation's allowance lasts.
    fn debug_line(&mut self, line: &str) {
        let Some(to) = self.debug else {
            return;
        };
        if self.debug_lines == 0 {
            return;
        }
        self.debug_lines -= 1;
        self.host.notify(to, line);
    }

    fn eval_call_inner(&mut self, call: &Call, out: &mut String) {
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
        if def.deprecated {
            let ex = self.ctx.executor;
            let notice = format!(
                "Deprecated function {} being used on object #{ex}.",
                def.name
            );
            self.host.notify(ex, &notice);
        }
        let mut vals = self.vec_pool.pop().unwrap_or_default();
        for a in &call.args {
            let mut s = self.take_string();
            match a {
                Arg::Eval(e) => self.eval_expr(e, &mut s),
                Arg::Lazy(l) => s.push_str(&l.raw),
            }
            vals.push(s);
            if self.aborted {
                return;
            }
        }
        let mut nodes: &[Arg] = &call.args;
        if def.min == 0 && vals.len() == 1 && vals.first().is_some_and(|v| v.is_empty()) {
            self.recycle(&mut vals);
            nodes = &[];
        }
        let n = vals.len();
        if n < def.min || n > def.max {
            push(out, &functions::argcount_error(def, n));
            self.recycle_vec(vals);
            return;
        }
        let allowed = match def.perm {
            Perm::Any => true,
            Perm::Wizard => self.host.is_wizard(self.ctx.executor),
            Perm::God => self.host.is_god(self.ctx.executor),
        };
        if !allowed {
            push(out, E_PERM);
            self.recycle_vec(vals);
            return;
        }
        self.recursion += 1;
        self.invocations += 1;
        self.check_time();
        let args = Args { vals, nodes };
        (def.imp)(self, &args, out);
        self.recursion -= 1;
        self.recycle_vec(args.vals);
    }

    fn recycle(&mut self, vals: &mut Vec<String>) {
        for s in vals.drain(..) {
            self.give_string(s);
        }
    }

    fn recycle_vec(&mut self, mut vals: Vec<String>) {
        self.recycle(&mut vals);
        if self.vec_pool.len() < POOL_MAX {
            self.vec_pool.push(vals);
        }
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
            Sub::ArgCount => push_i64(out, self.ctx.args.len() as i64),
            Sub::AttrName => push(out, &self.ctx.attr_name),
            Sub::Arg(n) => {
                if let Some(a) = self.ctx.args.get(usize::from(*n)) {
                    push(out, a);
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
            Sub::CmdRaw => push(out, &self.ctx.cmd_raw),
            Sub::CmdEvaled => push(out, &self.ctx.cmd_evaled),
            Sub::Location => {
                if self.host.exists(en) {
                    let l = self.host.location(en);
                    Self::dbref(out, l)
                } else {
                    push(out, "#-1")
                }
            }
            Sub::QReg(e) => {
                let mut buf = [0u8; 64];
                let v = match e.as_literal() {
                    Some(l) => qreg_key(reg_name(l), &mut buf).and_then(|k| self.ctx.qregs.get(k)),
                    None => {
                        let name = self.eval_to_string(e);
                        qreg_key(reg_name(&name), &mut buf).and_then(|k| self.ctx.qregs.get(k))
                    }
                };
                if let Some(v) = v {
                    push(out, v);
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
    let b = v.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let mut prev_space = false;
    for &c in b {
        match c {
            b' ' if prev_space => return false,
            b'%' | b'[' | b']' | b'{' | b'}' | b'(' | b')' | b'\\' | b',' | b';' | b'$' | 0x1b => {
                return false
            }
            _ => {}
        }
        prev_space = c == b' ';
    }
    true
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

#[cfg(test)]
mod tests {
    use crate::{Context, Eval, FreshDb, Mode};

    fn run_as(executor: i64, text: &str) -> String {
        let mut db = FreshDb::new();
        let mut ev = Eval::new(&mut db, Context::new(executor, executor, executor));
        ev.eval_str(text, Mode::Default).unwrap_or_default()
    }

    #[test]
    fn permission_classes_are_enforced_by_the_table() {
        // BEEP is a wizard function: God (#1) may, Room Zero (#0) may not.
        assert_eq!(run_as(1, "[strlen(beep())]"), "1");
        assert_eq!(run_as(0, "[beep()]"), "#-1 PERMISSION DENIED");
        assert_eq!(run_as(0, "[add(1,2)]"), "3");
    }
}
