//! q-registers: setq/setr/r/letq/localize/unsetq/listq/registers, and `%q`'s store.

use crate::context::{qreg_key, valid_qreg, MAX_QREGS};
use crate::eval::{push, Args, Eval};
use crate::functions::control::wild_match;
use crate::functions::{FnDef, MANY};

pub const E_REGNAME: &str = "#-1 REGISTER NAME INVALID";

/// A register name as PennMUSH keys it: cut to its first 63 bytes (its key buffer).
pub fn reg_name(name: &str) -> &str {
    if name.len() <= 63 {
        return name;
    }
    let mut end = 63;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.get(..end).unwrap_or(name)
}

/// Set register `name` (any case). Returns false if the name is invalid.
pub fn setq(ev: &mut Eval, name: &str, val: &str) -> bool {
    let name = reg_name(name);
    if !valid_qreg(name) {
        return false;
    }
    let mut buf = [0u8; 64];
    let Some(key) = qreg_key(name, &mut buf) else {
        return false;
    };
    if val.is_empty() {
        ev.ctx.qregs.remove(key);
    } else if let Some(v) = ev.ctx.qregs.get_mut(key) {
        v.clear();
        v.push_str(val);
    } else if ev.ctx.qregs.len() < MAX_QREGS {
        ev.ctx.qregs.insert(key.into(), val.to_string());
    }
    true
}

fn setq_common(ev: &mut Eval, a: &Args, o: &mut String, ret: bool) {
    if a.len() % 2 != 0 {
        let name = if ret { "SETR" } else { "SETQ" };
        return push(
            o,
            &format!("#-1 FUNCTION ({name}) EXPECTS AN EVEN NUMBER OF ARGUMENTS"),
        );
    }
    let mut bad = false;
    for i in (0..a.len()).step_by(2) {
        if !setq(ev, a.get(i), a.get(i + 1)) {
            bad = true;
        }
    }
    if bad {
        push(o, E_REGNAME);
    } else if ret {
        push(o, a.get(1));
    }
}
fn fun_setq(ev: &mut Eval, a: &Args, o: &mut String) {
    setq_common(ev, a, o, false)
}
fn fun_setr(ev: &mut Eval, a: &Args, o: &mut String) {
    setq_common(ev, a, o, true)
}

fn fun_r(ev: &mut Eval, a: &Args, o: &mut String) {
    let name = reg_name(a.get(0));
    let kind_arg = a.get(1);
    if kind_arg.is_empty() || kind_arg.eq_ignore_ascii_case("qregisters") {
        if !valid_qreg(name) {
            return push(o, E_REGNAME);
        }
        let mut buf = [0u8; 64];
        if let Some(v) = qreg_key(name, &mut buf).and_then(|k| ev.ctx.qregs.get(k)) {
            push(o, v);
        }
        return;
    }
    let kind = kind_arg.to_ascii_lowercase();
    match kind.as_str() {
        "args" => {
            if let Some(v) = name.parse::<usize>().ok().and_then(|n| ev.ctx.args.get(n)) {
                let v = v.clone();
                push(o, &v);
            }
        }
        "iter" | "switch" => {
            let stack: Vec<String> = if kind == "iter" {
                ev.ctx.iter.iter().map(|f| f.text.clone()).collect()
            } else {
                ev.ctx.switch.clone()
            };
            let Ok(n) = name.parse::<usize>() else { return };
            if let Some(v) = stack.len().checked_sub(n + 1).and_then(|i| stack.get(i)) {
                push(o, v);
            }
        }
        _ => push(o, "#-1"),
    }
}

fn fun_letq(ev: &mut Eval, a: &Args, o: &mut String) {
    let n = a.len();
    if n % 2 == 0 {
        return push(o, "#-1 FUNCTION (LETQ) EXPECTS AN ODD NUMBER OF ARGUMENTS");
    }
    let mut sets = Vec::new();
    for i in (0..n - 1).step_by(2) {
        let name = ev.lazy(a, i);
        let val = ev.lazy(a, i + 1);
        sets.push((name, val));
    }
    // Only the registers letq() names are local; others set inside persist.
    let saved: Vec<(String, Option<String>)> = sets
        .iter()
        .map(|(k, _)| {
            let key = k.to_ascii_uppercase();
            let old = ev.ctx.qregs.get(key.as_str()).cloned();
            (key, old)
        })
        .collect();
    let mut ok = true;
    for (k, v) in &sets {
        ok &= setq(ev, k, v);
    }
    if ok {
        ev.lazy_into(a, n - 1, o);
    } else {
        push(o, E_REGNAME);
    }
    for (k, old) in saved.into_iter().rev() {
        match old {
            Some(v) => {
                ev.ctx.qregs.insert(k.into_boxed_str(), v);
            }
            None => {
                ev.ctx.qregs.remove(k.as_str());
            }
        }
    }
}

fn fun_localize(ev: &mut Eval, a: &Args, o: &mut String) {
    let saved = ev.ctx.qregs.clone();
    ev.lazy_into(a, 0, o);
    ev.ctx.qregs = saved;
}

fn fun_unsetq(ev: &mut Eval, a: &Args, o: &mut String) {
    let _ = o;
    if a.is_empty() || a.get(0).trim().is_empty() {
        ev.ctx.qregs.clear();
        return;
    }
    let pats: Vec<String> = a.get(0).split_whitespace().map(|s| s.to_string()).collect();
    ev.ctx
        .qregs
        .retain(|k, _| !pats.iter().any(|p| wild_match(p, k)));
}

fn list_regs(ev: &mut Eval, pat: &str, sep: &str, o: &mut String) {
    let mut first = true;
    let names: Vec<String> = ev
        .ctx
        .qregs
        .iter()
        .filter(|(k, v)| !v.is_empty() && (pat.is_empty() || wild_match(pat, k)))
        .map(|(k, _)| k.to_string())
        .collect();
    for k in names {
        if !first {
            push(o, sep);
        }
        first = false;
        push(o, &k);
    }
}

fn fun_listq(ev: &mut Eval, a: &Args, o: &mut String) {
    list_regs(ev, a.get(0), " ", o)
}

fn fun_registers(ev: &mut Eval, a: &Args, o: &mut String) {
    let kind = a.get(1).to_ascii_lowercase();
    let sep = if a.len() > 2 { a.get(2) } else { " " };
    match kind.as_str() {
        "" | "qregisters" => list_regs(ev, a.get(0), sep, o),
        "args" => {
            let n = ev.ctx.args.len();
            let s: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            push(o, &s.join(sep));
        }
        "iter" | "switch" => {
            let n = if kind == "iter" {
                ev.ctx.iter.len()
            } else {
                ev.ctx.switch.len()
            };
            let s: Vec<String> = (0..n)
                .flat_map(|i| [i.to_string(), i.to_string()])
                .collect();
            let s = if kind == "switch" {
                (0..n).map(|i| i.to_string()).collect()
            } else {
                s
            };
            push(o, &s.join(sep));
        }
        _ => push(o, "#-1"),
    }
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("LETQ", 1, MANY, fun_letq).noparse(),
    FnDef::new("LISTQ", 0, 1, fun_listq),
    FnDef::new("LOCALIZE", 1, 1, fun_localize).noparse(),
    FnDef::new("R", 1, 2, fun_r),
    FnDef::new("REGISTERS", 0, 3, fun_registers),
    FnDef::new("SETQ", 2, MANY, fun_setq),
    FnDef::new("SETR", 2, MANY, fun_setr),
    FnDef::new("UNSETQ", 0, 1, fun_unsetq),
];
