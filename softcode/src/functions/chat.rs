//! Channel functions (PennMUSH's extchat.c, `help channel functions`): the host
//! answers them, as it owns the channels.

use crate::eval::{push, Args, Eval};
use crate::functions::FnDef;

/// Hands the call to the host under the function's own name.
fn call(ev: &mut Eval, name: &str, a: &Args, o: &mut String) {
    let ex = ev.ctx.executor;
    let answer = ev.host.chat_function(ex, name, a.all());
    push(o, &answer);
}

macro_rules! chat_fns {
    ($($f:ident => $name:literal),* $(,)?) => {
        $(fn $f(ev: &mut Eval, a: &Args, o: &mut String) { call(ev, $name, a, o) })*
    };
}

chat_fns!(
    fun_channels => "CHANNELS", fun_cwho => "CWHO", fun_cusers => "CUSERS",
    fun_cowner => "COWNER", fun_cdesc => "CDESC", fun_cflags => "CFLAGS",
    fun_clflags => "CLFLAGS", fun_cstatus => "CSTATUS", fun_ctitle => "CTITLE",
    fun_clock => "CLOCK", fun_cmogrifier => "CMOGRIFIER", fun_cemit => "CEMIT",
    fun_nscemit => "NSCEMIT", fun_cbufferadd => "CBUFFERADD", fun_crecall => "CRECALL",
    fun_cmsgs => "CMSGS", fun_cbuffer => "CBUFFER",
);

pub const FUNCTIONS: &[FnDef] = &[
    FnDef::new("CHANNELS", 0, 2, fun_channels),
    FnDef::new("CWHO", 1, 3, fun_cwho),
    FnDef::new("CUSERS", 1, 1, fun_cusers),
    FnDef::new("COWNER", 1, 1, fun_cowner),
    FnDef::new("CDESC", 1, 1, fun_cdesc),
    FnDef::new("CFLAGS", 1, 2, fun_cflags),
    FnDef::new("CLFLAGS", 1, 2, fun_clflags),
    FnDef::new("CSTATUS", 2, 2, fun_cstatus),
    FnDef::new("CTITLE", 2, 2, fun_ctitle),
    FnDef::new("CLOCK", 1, 2, fun_clock),
    FnDef::new("CMOGRIFIER", 1, 1, fun_cmogrifier),
    FnDef::new("CEMIT", 2, 3, fun_cemit),
    FnDef::new("NSCEMIT", 2, 3, fun_nscemit),
    FnDef::new("CBUFFERADD", 2, 3, fun_cbufferadd),
    FnDef::new("CRECALL", 1, 5, fun_crecall),
    FnDef::new("CMSGS", 1, 1, fun_cmsgs),
    FnDef::new("CBUFFER", 1, 1, fun_cbuffer),
];
