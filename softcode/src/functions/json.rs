//! JSON functions: json, isjson, json_query, json_mod, json_map. Parsing is strict
//! RFC 8259 (serde_json, depth-limited); paths are SQLite's `$.key[N]` form.

use serde_json::Value;

use crate::eval::{push, Args, Eval, MAX_OUTPUT};
use crate::functions::ansi::strip_markup;
use crate::functions::functional::{call, enter, fetch_ufun, leave, MAX_STACK_ARGS};
use crate::functions::json_mod::{lookup, parse_path};
use crate::functions::math::{parse_int, parse_number, E_INT, E_NUM};
use crate::functions::{FnDef, MANY};

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("JSON", 1, MANY, fun_json),
    FnDef::new("ISJSON", 1, 1, fun_isjson).comma_last(),
    FnDef::new("JSON_QUERY", 1, MANY, fun_json_query),
    FnDef::new("JSON_MAP", 2, MAX_STACK_ARGS + 1, fun_json_map),
];

pub(crate) const E_JSON: &str = "#-1 JSON ERROR";
const E_INVALID: &str = "#-1 INVALID JSON";
const E_VALUE: &str = "#-1 INVALID VALUE";

pub(crate) fn parse(s: &str) -> Option<Value> {
    serde_json::from_str(s).ok()
}

/// C's `%.<prec>g`.
pub(crate) fn fmt_g(v: f64, prec: usize) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "nan".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let p = prec.max(1);
    let sci = format!("{:.*e}", p - 1, v);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let strip = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if exp < -4 || exp >= p as i32 {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", strip(mant), sign, exp.unsigned_abs())
    } else {
        let decimals = usize::try_from(p as i32 - 1 - exp).unwrap_or(0);
        strip(&format!("{v:.decimals$}"))
    }
}

/// A number as cJSON prints it.
fn cjson_number(n: &serde_json::Number) -> String {
    let d = n.as_f64().unwrap_or(0.0);
    if !d.is_finite() {
        return "null".into();
    }
    if d.fract() == 0.0 && d >= f64::from(i32::MIN) && d <= f64::from(i32::MAX) {
        return (d as i64).to_string();
    }
    let s = fmt_g(d, 15);
    if s.parse::<f64>().ok() == Some(d) {
        s
    } else {
        fmt_g(d, 17)
    }
}

fn cjson_string(s: &str, out: &mut String) {
    use std::fmt::Write;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Unformatted printing as cJSON does it (PennMUSH's json(), json_query get).
fn cjson_print(v: &Value, out: &mut String) {
    if out.len() > MAX_OUTPUT {
        return;
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&cjson_number(n)),
        Value::String(s) => cjson_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                cjson_print(e, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                cjson_string(k, out);
                out.push(':');
                cjson_print(e, out);
            }
            out.push('}');
        }
    }
}

/// Minified text, as SQLite's json functions return it.
pub(crate) fn sql_text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A number's SQL text: integers as written, reals as `%!.15g`.
fn sql_number(n: &serde_json::Number) -> String {
    let t = n.to_string();
    if t.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return t;
    }
    let s = fmt_g(n.as_f64().unwrap_or(0.0), 15);
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        format!("{s}.0")
    } else {
        s
    }
}

/// A JSON value as an SQL value's text (json_extract / json_each `value`).
pub(crate) fn sql_value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "1" } else { "0" }.into(),
        Value::Number(n) => sql_number(n),
        Value::String(s) => s.clone(),
        _ => sql_text(v),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn escape_string(s: &str) -> String {
    use std::fmt::Write;
    let mut r = String::from("\"");
    for c in s.chars() {
        match c {
            '\n' => r.push_str("\\n"),
            '\r' => {}
            '\t' => r.push_str("\\t"),
            '"' | '\\' => {
                r.push('\\');
                r.push(c);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(r, "\\u{:04X}", c as u32);
            }
            c => r.push(c),
        }
        if r.len() > MAX_OUTPUT {
            break;
        }
    }
    r.push('"');
    r
}

fn fun_json(_: &mut Eval, a: &Args, o: &mut String) {
    let kind = strip_markup(a.get(0)).to_ascii_lowercase();
    let n = a.len();
    let bad_count = match kind.as_str() {
        "null" => n > 2,
        "" | "string" | "number" | "boolean" => n != 2,
        "object" => n % 2 != 1,
        "array" => false,
        _ => return push(o, "#-1 INVALID TYPE"),
    };
    if bad_count {
        return push(o, "#-1 WRONG NUMBER OF ARGUMENTS");
    }
    let arg = |i: usize| strip_markup(a.get(i)).into_owned();
    match kind.as_str() {
        "null" => push(
            o,
            if n == 2 && arg(1) != "null" {
                "#-1"
            } else {
                "null"
            },
        ),
        "boolean" => match arg(1).as_str() {
            "false" | "0" => push(o, "false"),
            "true" | "1" => push(o, "true"),
            _ => push(o, E_VALUE),
        },
        "number" => {
            let v = arg(1);
            if parse_number(&v).is_some() {
                push(o, &v)
            } else {
                push(o, E_NUM)
            }
        }
        "array" => {
            let mut r = String::from("[");
            for i in 1..n {
                let Some(v) = parse(&arg(i)) else {
                    return push(o, E_VALUE);
                };
                if i > 1 {
                    r.push(',');
                }
                cjson_print(&v, &mut r);
            }
            r.push(']');
            push(o, &r)
        }
        "object" => {
            let mut r = String::from("{");
            for i in (1..n).step_by(2) {
                let key = arg(i);
                let Some(v) = parse(&arg(i + 1)).filter(|_| !key.is_empty()) else {
                    return push(o, E_VALUE);
                };
                if i > 1 {
                    r.push(',');
                }
                cjson_string(&key, &mut r);
                r.push(':');
                cjson_print(&v, &mut r);
            }
            r.push('}');
            push(o, &r)
        }
        _ => push(o, &escape_string(a.get(1))),
    }
}

fn fun_isjson(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, if parse(a.get(0)).is_some() { "1" } else { "0" })
}

fn fun_json_query(_: &mut Eval, a: &Args, o: &mut String) {
    let op = strip_markup(a.get(1)).to_ascii_lowercase();
    let op = if op.is_empty() {
        "type".to_string()
    } else {
        op
    };
    if !matches!(
        op.as_str(),
        "type" | "size" | "exists" | "get" | "unescape" | "extract"
    ) {
        return push(o, "#-1 INVALID OPERATION");
    }
    if matches!(op.as_str(), "get" | "exists" | "extract") && a.get(2).is_empty() {
        return push(o, "#-1 MISSING VALUE");
    }
    let text = strip_markup(a.get(0));
    let parsed = parse(&text);
    match op.as_str() {
        "type" => match parsed {
            Some(v) => push(o, type_name(&v)),
            None => push(o, E_JSON),
        },
        "extract" => {
            let (Some(v), Some(path)) = (parsed, parse_path(&strip_markup(a.get(2)))) else {
                return push(o, E_JSON);
            };
            if let Some(x) = lookup(&v, &path) {
                push(o, &sql_value(x))
            }
        }
        _ => {
            let Some(v) = parsed else {
                return push(o, E_INVALID);
            };
            match op.as_str() {
                "size" => push(
                    o,
                    &match &v {
                        Value::Null => 0,
                        Value::Array(x) => x.len(),
                        Value::Object(m) => m.len(),
                        _ => 1,
                    }
                    .to_string(),
                ),
                "unescape" => match &v {
                    Value::String(s) => push(o, s),
                    _ => push(o, "#-1"),
                },
                _ => {
                    let mut cur = Some(&v);
                    for key in a.all().iter().skip(2) {
                        let key = strip_markup(key);
                        cur = match cur {
                            Some(Value::Array(x)) => {
                                let Some(i) = parse_int(&key) else {
                                    return push(o, E_INT);
                                };
                                usize::try_from(i).ok().and_then(|i| x.get(i))
                            }
                            Some(Value::Object(m)) => m.get(key.as_ref()),
                            _ => return push(o, "#-1"),
                        };
                    }
                    if op == "exists" {
                        push(o, if cur.is_some() { "1" } else { "0" })
                    } else if let Some(x) = cur {
                        let mut r = String::new();
                        cjson_print(x, &mut r);
                        push(o, &r)
                    }
                }
            }
        }
    }
}

fn fun_json_map(ev: &mut Eval, a: &Args, o: &mut String) {
    let osep = if a.len() >= 3 { a.get(2) } else { " " };
    let uf = match fetch_ufun(ev, a.get(0)) {
        Ok(Some(uf)) => uf,
        Ok(None) => return,
        Err(e) => return push(o, e),
    };
    let Some(doc) = parse(&strip_markup(a.get(1))) else {
        return push(o, E_INVALID);
    };
    let rows: Vec<(&str, String, Option<String>)> = match &doc {
        Value::Array(v) => v
            .iter()
            .enumerate()
            .map(|(i, e)| (map_type(e), map_value(e), Some(i.to_string())))
            .collect(),
        Value::Object(m) => m
            .iter()
            .map(|(k, e)| (map_type(e), map_value(e), Some(k.clone())))
            .collect(),
        other => vec![(map_type(other), map_value(other), None)],
    };
    let extra: Vec<&str> = a.all().iter().skip(3).map(String::as_str).collect();
    let sc = enter(ev, &uf);
    let mut r = String::new();
    for (i, (t, v, k)) in rows.iter().enumerate() {
        let mut args: Vec<&str> = vec![t, v, k.as_deref().unwrap_or("")];
        args.extend(extra.iter().copied());
        let go = call(ev, &sc, &uf, &args, &mut r);
        if i > 0 {
            push(o, osep);
        }
        push(o, &r);
        if !go || o.len() >= MAX_OUTPUT {
            break;
        }
    }
    leave(ev, sc);
}

fn map_type(v: &Value) -> &'static str {
    type_name(v)
}

fn map_value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        other => sql_value(other),
    }
}
