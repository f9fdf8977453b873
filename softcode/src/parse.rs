//! Text -> AST. A pure, cacheable translation of MUSHcode into a small tree, following
//! PennMUSH's `process_expression` scanning rules: a function call is recognised only at
//! the start of an evaluated string or right after `[`; `{}` groups (outer braces
//! stripped); `\` escapes; `%` substitutions; space compression; unbalanced input.
//!
//! Everything that PennMUSH decides while scanning from the *text alone* (where arguments
//! end, which braces are stripped, which spaces are compressed, what an unevaluated
//! argument's text is) is decided here, once. Everything that depends on runtime values
//! (registers, arguments, the world) is left as a node for `eval`.
//!
//! The parse depends on the builtin function table (which functions exist and whether
//! their arguments are evaluated), which is static, so a parse may be cached for as long
//! as the function table does not change.

use crate::functions::{self, ArgMode, FnId};

/// Nesting depth at which PennMUSH refuses the whole command.
pub const MAX_NESTING: usize = 100;

/// A parsed expression: a sequence of nodes whose outputs are concatenated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expr {
    pub nodes: Vec<Node>,
    /// True if the text contains `##`/`#@`/`#$` in a place where PennMUSH's textual
    /// replacement could change the *structure* of the parse (a function name, after `%`).
    /// Such bodies are re-parsed after textual substitution instead of using token nodes.
    pub dynamic: bool,
    /// True if the expression contains any `##`/`#@`/`#$` token at all.
    pub has_tokens: bool,
}

impl Expr {
    /// The expression's text if it is a single literal (or empty).
    pub fn as_literal(&self) -> Option<&str> {
        match self.nodes.as_slice() {
            [] => Some(""),
            [Node::Text(t)] => Some(t),
            _ => None,
        }
    }
}

/// One piece of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Literal output.
    Text(Box<str>),
    /// A `%` substitution; `upper` capitalises the first letter of its output.
    Sub { sub: Sub, upper: bool },
    /// `##`, `#@` or `#$`: the value bound by an enclosing iter()/switch(), else literal.
    Token(Token),
    /// A builtin function call.
    Call(Box<Call>),
    /// The "Unescaped comma in final arg" notice, sent when evaluation reaches it.
    CommaNotice(Box<str>),
    /// A `(` after evaluated output (`[setq(0,x)]r(0)`): PennMUSH takes everything the
    /// level printed before it as a function name, at run time.
    DynCall(Box<DynCall>),
}

/// A call whose name is only known after evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct DynCall {
    /// What the level printed before the `(`: evaluated, it is the name.
    pub prefix: Expr,
    /// The text after the `(`, through its `)`, re-parsed once the name is known.
    pub raw: Box<str>,
    /// Inside `[]`: an unknown name is an error rather than text.
    pub mandatory: bool,
    /// The `(...)` as plain text, printed after the prefix when there is no such function.
    pub literal: Expr,
}

/// The replaceable list tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Token {
    /// `##`: the current list element (iter) .
    Item,
    /// `#@`: the current list position.
    Pos,
    /// `#$`: the switch() match target.
    Switch,
}

impl Token {
    pub fn text(self) -> &'static str {
        match self {
            Token::Item => "##",
            Token::Pos => "#@",
            Token::Switch => "#$",
        }
    }
}

/// `%` substitutions.
#[derive(Debug, Clone, PartialEq)]
pub enum Sub {
    Executor,
    Caller,
    Enactor,
    EnactorObjid,
    FunLimits,
    AccentedName,
    ArgCount,
    AttrName,
    Arg(u8),
    /// %s %o %p %a
    Pronoun(Pronoun),
    Space,
    Newline,
    Tab,
    CmdRaw,
    CmdEvaled,
    Location,
    Name,
    Moniker,
    /// `%qX` or `%q<name>`; the name is itself an expression.
    QReg(Expr),
    /// `%iN` (None = `%il`), and `%$N` when `switch` is set.
    IterText {
        n: Option<u8>,
        switch: bool,
    },
    /// `%i`/`%$` followed by a non-digit: "#-1 ARGUMENT MUST BE INTEGER" if in scope.
    IterBad {
        switch: bool,
    },
    /// `%vX`, `%wX`, `%xX`: the executor's attribute of that name.
    Attr([u8; 2]),
    /// Unknown `%c`: the character itself.
    Char(char),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pronoun {
    Subjective,
    Objective,
    Possessive,
    Absolute,
}

/// A call to a builtin function.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub func: FnId,
    pub args: Vec<Arg>,
}

/// One argument as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// An argument evaluated before the call.
    Eval(Expr),
    /// An unevaluated (FN_NOPARSE / FN_LITERAL) argument: its text, and its parse in the
    /// default evaluation mode for functions that evaluate it later.
    Lazy(Box<Lazy>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lazy {
    pub raw: Box<str>,
    pub expr: Expr,
}

/// Parse failure; PennMUSH fails the whole command ("Huh?").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    TooDeep,
}

/// How the top level of a string is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// PE_DEFAULT: attributes, u(), lazy function arguments.
    Default,
    /// PE_DEFAULT | PE_COMMAND_BRACES: a command's argument (`think {a}`).
    Command,
    /// Nothing evaluated: just the scanning, as for FN_NOPARSE arguments.
    NoEval,
}

#[derive(Clone, Copy, Default)]
struct Flags {
    eval: bool,
    compress: bool,
    strip: bool,
    cmd_braces: bool,
    fcheck: bool,
    mandatory: bool,
    literal: bool,
}

#[derive(Clone, Copy, Default)]
struct Term {
    brace: bool,
    bracket: bool,
    paren: bool,
    comma: bool,
    gt: bool,
    /// Name of the function whose final argument is being read (comma notice).
    not_comma: Option<FnId>,
}

/// Parse `text` in the given mode.
pub fn parse(text: &str, mode: Mode) -> Result<Expr, ParseError> {
    let flags = match mode {
        Mode::Default | Mode::Command => Flags {
            eval: true,
            compress: true,
            strip: true,
            cmd_braces: mode == Mode::Command,
            fcheck: true,
            ..Flags::default()
        },
        Mode::NoEval => Flags::default(),
    };
    let mut p = Parser {
        s: text.as_bytes(),
        src: text,
        pos: 0,
        depth: 0,
    };
    let mut b = Builder::default();
    p.level(flags, Term::default(), &mut b)?;
    Ok(b.finish())
}

#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    text: String,
    dynamic: bool,
    has_tokens: bool,
}

impl Builder {
    fn flush(&mut self) {
        if !self.text.is_empty() {
            let t = std::mem::take(&mut self.text);
            self.nodes.push(Node::Text(t.into_boxed_str()));
        }
    }
    fn push(&mut self, n: Node) {
        self.flush();
        self.nodes.push(n);
    }
    fn append(&mut self, other: Builder) {
        self.dynamic |= other.dynamic;
        self.has_tokens |= other.has_tokens;
        let mut nodes = other.nodes.into_iter();
        if let Some(first) = nodes.next() {
            match first {
                Node::Text(t) => self.text.push_str(&t),
                n => self.push(n),
            }
            for n in nodes {
                self.push(n);
            }
        }
        self.text.push_str(&other.text);
    }
    fn is_plain(&self) -> bool {
        self.nodes.is_empty()
    }
    fn finish(mut self) -> Expr {
        self.flush();
        Expr {
            nodes: self.nodes,
            dynamic: self.dynamic,
            has_tokens: self.has_tokens,
        }
    }
    fn into_text(mut self) -> String {
        // Only used for unevaluated levels, which never emit non-text nodes.
        self.flush();
        let mut s = String::new();
        for n in self.nodes {
            if let Node::Text(t) = n {
                s.push_str(&t);
            }
        }
        s
    }
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    pos: usize,
    depth: usize,
}

fn is_active(c: u8) -> bool {
    matches!(
        c,
        b'%' | b'{'
            | b'['
            | b'('
            | b'\\'
            | b' '
            | b'}'
            | b'>'
            | b']'
            | b')'
            | b','
            | b'$'
            | 0x1b
            | b'#'
    )
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    /// The next (possibly multi-byte) character.
    fn next_char(&mut self) -> Option<char> {
        let c = self.src.get(self.pos..)?.chars().next()?;
        self.pos += c.len_utf8();
        Some(c)
    }
    fn token_at(&self, at: usize) -> Option<Token> {
        if self.s.get(at) != Some(&b'#') {
            return None;
        }
        match self.s.get(at + 1) {
            Some(b'#') => Some(Token::Item),
            Some(b'@') => Some(Token::Pos),
            Some(b'$') => Some(Token::Switch),
            _ => None,
        }
    }

    /// One `process_expression` level: reads until a terminator in `term` (not consumed)
    /// or the end, appending to `b`.
    fn level(&mut self, mut f: Flags, mut term: Term, out: &mut Builder) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth >= MAX_NESTING {
            return Err(ParseError::TooDeep);
        }
        let r = self.level_inner(&mut f, &mut term, out);
        self.depth -= 1;
        r
    }

    fn level_inner(
        &mut self,
        f: &mut Flags,
        term: &mut Term,
        out: &mut Builder,
    ) -> Result<(), ParseError> {
        let mut b = Builder::default();
        let mut had_space = false;
        let mut last_space = false;
        let f_any = f.eval || f.compress || f.strip || f.cmd_braces || f.literal;
        if f.compress {
            while self.peek() == Some(b' ') {
                self.pos += 1;
            }
        }
        if self.peek() != Some(b'{') {
            f.cmd_braces = false;
        }
        loop {
            // Copy uninteresting bytes.
            let start = self.pos;
            while let Some(c) = self.peek() {
                if is_active(c) {
                    break;
                }
                self.pos += 1;
            }
            if self.pos > start {
                b.text.push_str(self.src.get(start..self.pos).unwrap_or(""));
                last_space = false;
            }
            let Some(c) = self.peek() else { break };
            match c {
                b'}' if term.brace => break,
                b']' if term.bracket => break,
                b')' if term.paren => break,
                b',' if term.comma => break,
                b'>' if term.gt => break,
                b',' => {
                    if let Some(id) = term.not_comma.take() {
                        if f.eval {
                            b.push(Node::CommaNotice(functions::name_of(id).into()));
                        }
                    }
                }
                _ => {}
            }
            last_space = false;
            match c {
                0x1b => {
                    // ANSI escape: copy through the terminating 'm'.
                    let start = self.pos;
                    while let Some(c) = self.peek() {
                        self.pos += 1;
                        if c == b'm' {
                            break;
                        }
                    }
                    b.text.push_str(self.src.get(start..self.pos).unwrap_or(""));
                }
                b'#' => {
                    self.pos += 1;
                    b.text.push('#');
                    if f.eval && !f.literal {
                        if let Some(t) = self.token_at(self.pos - 1) {
                            b.text.pop();
                            self.pos += 1;
                            b.has_tokens = true;
                            b.push(Node::Token(t));
                        }
                    }
                }
                b'$' => {
                    self.pos += 1;
                    b.text.push('$');
                    if self.peek() == Some(b'<') {
                        let sub = Flags { strip: false, ..*f };
                        self.level(
                            sub,
                            Term {
                                gt: true,
                                ..Term::default()
                            },
                            &mut b,
                        )?;
                    }
                }
                b'%' => {
                    if f.literal {
                        b.text.push('%');
                        self.pos += 1;
                    } else if !f.eval {
                        self.pos += 1;
                        b.text.push('%');
                        let Some(sc) = self.next_char() else { break };
                        b.text.push(sc);
                        match sc {
                            'q' | 'Q' => {
                                let Some(n) = self.next_char() else { break };
                                b.text.push(n);
                                if n == '<' {
                                    let sub = Flags { strip: false, ..*f };
                                    self.level(
                                        sub,
                                        Term {
                                            gt: true,
                                            ..Term::default()
                                        },
                                        &mut b,
                                    )?;
                                }
                            }
                            'v' | 'V' | 'w' | 'W' | 'x' | 'X' => {
                                let Some(n) = self.next_char() else { break };
                                b.text.push(n);
                            }
                            _ => {}
                        }
                    } else {
                        self.pos += 1;
                        if self.token_at(self.pos).is_some() {
                            b.dynamic = true;
                        }
                        let Some(sc) = self.next_char() else {
                            b.text.push('%');
                            break;
                        };
                        if !self.percent(sc, f, &mut b)? {
                            break;
                        }
                    }
                }
                b'{' => {
                    if f.literal {
                        b.text.push('{');
                        self.pos += 1;
                        continue;
                    }
                    let stripped = f.strip || f.cmd_braces;
                    if !stripped {
                        b.text.push('{');
                    }
                    self.pos += 1;
                    let sub = if f.cmd_braces {
                        Flags {
                            cmd_braces: false,
                            ..*f
                        }
                    } else {
                        Flags {
                            strip: false,
                            fcheck: false,
                            ..*f
                        }
                    };
                    self.level(
                        sub,
                        Term {
                            brace: true,
                            ..Term::default()
                        },
                        &mut b,
                    )?;
                    if self.peek() == Some(b'}') {
                        if !stripped {
                            b.text.push('}');
                        }
                        self.pos += 1;
                    }
                    f.cmd_braces = false;
                }
                b'[' => {
                    if f.literal {
                        b.text.push('[');
                        self.pos += 1;
                        continue;
                    }
                    let sub = if !f.eval {
                        b.text.push('[');
                        Flags { strip: false, ..*f }
                    } else {
                        Flags {
                            fcheck: true,
                            mandatory: true,
                            ..*f
                        }
                    };
                    self.pos += 1;
                    self.level(
                        sub,
                        Term {
                            bracket: true,
                            ..Term::default()
                        },
                        &mut b,
                    )?;
                    if self.peek() == Some(b']') {
                        if !f.eval {
                            b.text.push(']');
                        }
                        self.pos += 1;
                    }
                }
                b'(' => {
                    self.pos += 1;
                    if !f.eval || !f.fcheck {
                        self.literal_paren(f, &mut b)?;
                    } else {
                        f.fcheck = false;
                        if !b.is_plain() {
                            self.dyn_call(f, &mut b)?;
                            continue;
                        }
                        // The name is everything this level has output so far.
                        let name: String = if b.is_plain() {
                            b.text.to_ascii_uppercase()
                        } else {
                            b.dynamic = true;
                            b.text.to_ascii_uppercase()
                        };
                        let user = b.is_plain()
                            && functions::lookup(&name).is_none()
                            && functions::user::is_user_function(&name);
                        let found = if user {
                            functions::lookup(functions::user::USER_CALL)
                        } else if b.is_plain() {
                            functions::lookup(&name)
                        } else {
                            None
                        };
                        match found {
                            Some(id) => {
                                b.text.clear();
                                let mut call = self.call_args(id, f)?;
                                if user {
                                    // The user call's first argument is the name as written.
                                    let lazy = Lazy {
                                        raw: name.clone().into_boxed_str(),
                                        expr: Expr::default(),
                                    };
                                    call.args.insert(0, Arg::Lazy(Box::new(lazy)));
                                }
                                for a in &call.args {
                                    match a {
                                        Arg::Eval(e) => {
                                            b.dynamic |= e.dynamic;
                                            b.has_tokens |= e.has_tokens;
                                        }
                                        Arg::Lazy(l) => {
                                            b.dynamic |= l.expr.dynamic;
                                            b.has_tokens |= l.expr.has_tokens;
                                        }
                                    }
                                }
                                b.push(Node::Call(Box::new(call)));
                            }
                            None if f.mandatory => {
                                b.nodes.clear();
                                b.text.clear();
                                b.text.push_str(&crate::suggest::not_found(&name));
                                let mut skip = Builder::default();
                                self.level(
                                    Flags::default(),
                                    Term {
                                        paren: true,
                                        ..Term::default()
                                    },
                                    &mut skip,
                                )?;
                                if self.peek() == Some(b')') {
                                    self.pos += 1;
                                }
                            }
                            None => self.literal_paren(f, &mut b)?,
                        }
                    }
                }
                b' ' => {
                    had_space = true;
                    last_space = true;
                    b.text.push(' ');
                    self.pos += 1;
                    while self.peek() == Some(b' ') {
                        self.pos += 1;
                        if !f.compress {
                            b.text.push(' ');
                        }
                    }
                }
                b'\\' => {
                    if f.literal {
                        b.text.push('\\');
                        self.pos += 1;
                        continue;
                    }
                    if !f.eval {
                        b.text.push('\\');
                    }
                    self.pos += 1;
                    if f.eval && !f.literal {
                        if let Some(t) = self.token_at(self.pos) {
                            self.pos += 2;
                            b.has_tokens = true;
                            b.push(Node::Token(t));
                            continue;
                        }
                    }
                    let Some(c) = self.next_char() else { break };
                    b.text.push(c);
                }
                _ => {
                    // Terminator characters that are not terminators here, and '>'.
                    if let Some(c) = self.next_char() {
                        b.text.push(c);
                    }
                }
            }
        }
        if f_any && f.compress && had_space && last_space && b.text.ends_with(' ') {
            b.text.pop();
        }
        out.append(b);
        Ok(())
    }

    /// `(` after evaluated output in a level that may still call a function: the name is
    /// decided at run time. The `(` has been consumed.
    fn dyn_call(&mut self, f: &Flags, b: &mut Builder) -> Result<(), ParseError> {
        let args_start = self.pos;
        let mut lit = Builder::default();
        if f.mandatory {
            self.level(
                Flags::default(),
                Term {
                    paren: true,
                    ..Term::default()
                },
                &mut lit,
            )?;
            if self.peek() == Some(b')') {
                self.pos += 1;
            }
            lit = Builder::default();
        } else {
            self.literal_paren(f, &mut lit)?;
        }
        let raw = self.src.get(args_start..self.pos).unwrap_or("");
        let prefix = std::mem::take(b);
        b.dynamic = true;
        b.has_tokens = prefix.has_tokens || lit.has_tokens;
        b.push(Node::DynCall(Box::new(DynCall {
            prefix: prefix.finish(),
            raw: raw.into(),
            mandatory: f.mandatory,
            literal: lit.finish(),
        })));
        Ok(())
    }

    /// `(` that is not a function call: copied, contents scanned to the matching `)`.
    fn literal_paren(&mut self, f: &Flags, b: &mut Builder) -> Result<(), ParseError> {
        b.text.push('(');
        if self.peek() == Some(b' ') {
            b.text.push(' ');
            self.pos += 1;
        }
        let sub = Flags {
            strip: false,
            fcheck: false,
            ..*f
        };
        self.level(
            sub,
            Term {
                paren: true,
                ..Term::default()
            },
            b,
        )?;
        if self.peek() == Some(b')') {
            if f.compress && self.pos > 0 && self.s.get(self.pos - 1) == Some(&b' ') {
                b.text.push(' ');
            }
            b.text.push(')');
            self.pos += 1;
        }
        Ok(())
    }

    /// Reads a call's arguments; the `(` has been consumed.
    fn call_args(&mut self, id: FnId, f: &Flags) -> Result<Call, ParseError> {
        let def = functions::def(id);
        let mut args = Vec::new();
        let base = Flags {
            eval: true,
            compress: true,
            fcheck: true,
            strip: f.strip,
            cmd_braces: false,
            mandatory: false,
            literal: false,
        };
        let argf = match def.mode {
            ArgMode::Eval => base,
            ArgMode::NoParse => Flags {
                eval: false,
                compress: false,
                fcheck: false,
                ..base
            },
            ArgMode::Literal => Flags {
                eval: false,
                compress: false,
                fcheck: false,
                literal: true,
                ..base
            },
        };
        loop {
            let last = def.comma_last && args.len() + 1 >= def.max;
            let term = if last {
                Term {
                    paren: true,
                    not_comma: if def.mode == ArgMode::Literal {
                        None
                    } else {
                        Some(id)
                    },
                    ..Term::default()
                }
            } else {
                Term {
                    paren: true,
                    comma: true,
                    ..Term::default()
                }
            };
            let mut ab = Builder::default();
            self.level(argf, term, &mut ab)?;
            match def.mode {
                ArgMode::Eval => args.push(Arg::Eval(ab.finish())),
                _ => {
                    let raw = ab.into_text();
                    let expr = parse(&raw, Mode::Default).unwrap_or_default();
                    args.push(Arg::Lazy(Box::new(Lazy {
                        raw: raw.into_boxed_str(),
                        expr,
                    })));
                }
            }
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => {
                    self.pos += 1;
                    break;
                }
                _ => break,
            }
        }
        Ok(Call { func: id, args })
    }

    /// An evaluated `%` substitution; `sc` is the character after `%`.
    /// Returns false if the input ended inside it.
    fn percent(&mut self, sc: char, f: &Flags, b: &mut Builder) -> Result<bool, ParseError> {
        let upper = sc.is_ascii_uppercase();
        let sub = match sc.to_ascii_lowercase() {
            '%' => {
                b.text.push('%');
                return Ok(true);
            }
            ' ' => {
                b.text.push_str("% ");
                return Ok(true);
            }
            'b' => {
                b.text.push(' ');
                return Ok(true);
            }
            'r' => {
                b.text.push('\n');
                return Ok(true);
            }
            't' => {
                b.text.push('\t');
                return Ok(true);
            }
            '!' => Sub::Executor,
            '@' => Sub::Caller,
            '#' => Sub::Enactor,
            ':' => Sub::EnactorObjid,
            '?' => Sub::FunLimits,
            '~' => Sub::AccentedName,
            '+' => Sub::ArgCount,
            '=' => Sub::AttrName,
            d @ '0'..='9' => Sub::Arg(d as u8 - b'0'),
            'a' => Sub::Pronoun(Pronoun::Absolute),
            's' => Sub::Pronoun(Pronoun::Subjective),
            'o' => Sub::Pronoun(Pronoun::Objective),
            'p' => Sub::Pronoun(Pronoun::Possessive),
            'c' => Sub::CmdRaw,
            'u' => Sub::CmdEvaled,
            'l' => Sub::Location,
            'n' => Sub::Name,
            'k' => Sub::Moniker,
            'i' | '$' => {
                let switch = sc == '$';
                let Some(n) = self.next_char() else {
                    return Ok(false);
                };
                match n {
                    'l' | 'L' => Sub::IterText { n: None, switch },
                    d @ '0'..='9' => Sub::IterText {
                        n: Some(d as u8 - b'0'),
                        switch,
                    },
                    _ => Sub::IterBad { switch },
                }
            }
            'q' => {
                let Some(n) = self.next_char() else {
                    return Ok(false);
                };
                if n == '<' {
                    let sub = Flags { strip: false, ..*f };
                    let mut nb = Builder::default();
                    self.level(
                        sub,
                        Term {
                            gt: true,
                            ..Term::default()
                        },
                        &mut nb,
                    )?;
                    if self.peek() == Some(b'>') {
                        self.pos += 1;
                    }
                    b.dynamic |= nb.dynamic;
                    b.has_tokens |= nb.has_tokens;
                    Sub::QReg(nb.finish())
                } else {
                    let mut s = String::new();
                    s.push(n.to_ascii_uppercase());
                    Sub::QReg(Expr {
                        nodes: vec![Node::Text(s.into_boxed_str())],
                        ..Expr::default()
                    })
                }
            }
            'v' | 'w' | 'x' => {
                let Some(n) = self.next_char() else {
                    return Ok(false);
                };
                let a = sc.to_ascii_uppercase() as u8;
                let n2 = if n.is_ascii() {
                    n.to_ascii_uppercase() as u8
                } else {
                    b'?'
                };
                Sub::Attr([a, n2])
            }
            _ => {
                let mut s = String::new();
                s.push(sc);
                b.text.push_str(&s);
                return Ok(true);
            }
        };
        b.push(Node::Sub { sub, upper });
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Expr {
        parse(s, Mode::Default).unwrap()
    }

    #[test]
    fn plain_text_is_one_node() {
        assert_eq!(text("hello   world").as_literal(), Some("hello world"));
        assert_eq!(text("  lead").as_literal(), Some("lead"));
        assert_eq!(text("trail   ").as_literal(), Some("trail"));
    }

    #[test]
    fn function_only_at_start() {
        assert_eq!(text("text add(1,2)").as_literal(), Some("text add(1,2)"));
        assert!(matches!(
            text("add(1,2)").nodes.first(),
            Some(Node::Call(_))
        ));
    }

    #[test]
    fn too_deep() {
        let s = "[".repeat(120);
        assert_eq!(parse(&s, Mode::Default), Err(ParseError::TooDeep));
    }

    #[test]
    fn lazy_args_keep_text() {
        let e = text("if(1,{a,b})");
        let Some(Node::Call(c)) = e.nodes.first() else {
            panic!()
        };
        let Some(Arg::Lazy(l)) = c.args.get(1) else {
            panic!()
        };
        assert_eq!(&*l.raw, "a,b");
    }
}
