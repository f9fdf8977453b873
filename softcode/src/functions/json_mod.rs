//! json_mod(): set/insert/replace/remove at SQLite-style paths (`$.key[N]`), RFC 7396
//! merge patches and sorting arrays by a path.

use serde_json::{Map, Value};

use crate::eval::{push, Args, Eval};
use crate::functions::ansi::strip_markup;
use crate::functions::json::{parse, sql_text, E_JSON};
use crate::functions::FnDef;

pub(crate) const FUNCTIONS: &[FnDef] = &[FnDef::new("JSON_MOD", 3, 4, fun_json_mod)];

/// One step of an SQLite JSON path.
pub(crate) enum Step {
    Key(String),
    Index(usize),
    FromEnd(usize),
    Append,
}

pub(crate) fn parse_path(p: &str) -> Option<Vec<Step>> {
    let b = p.as_bytes();
    if b.first() != Some(&b'$') {
        return None;
    }
    let mut steps = Vec::new();
    let mut i = 1;
    while i < b.len() {
        match b.get(i)? {
            b'.' => {
                i += 1;
                if b.get(i) == Some(&b'"') {
                    let end = i + 1 + p.get(i + 1..)?.find('"')?;
                    steps.push(Step::Key(p.get(i + 1..end)?.to_string()));
                    i = end + 1;
                } else {
                    let start = i;
                    while i < b.len() && !matches!(b.get(i), Some(b'.') | Some(b'[')) {
                        i += 1;
                    }
                    if i == start {
                        return None;
                    }
                    steps.push(Step::Key(p.get(start..i)?.to_string()));
                }
            }
            b'[' => {
                let end = i + p.get(i..)?.find(']')?;
                let inner = p.get(i + 1..end)?.trim();
                let step = if inner == "#" {
                    Step::Append
                } else if let Some(n) = inner.strip_prefix("#-") {
                    Step::FromEnd(n.trim().parse().ok()?)
                } else if !inner.is_empty() && inner.bytes().all(|c| c.is_ascii_digit()) {
                    Step::Index(inner.parse().ok()?)
                } else {
                    return None;
                };
                steps.push(step);
                i = end + 1;
            }
            _ => return None,
        }
    }
    Some(steps)
}

fn index_of(step: &Step, len: usize) -> Option<usize> {
    match step {
        Step::Index(i) => Some(*i),
        Step::FromEnd(n) => len.checked_sub(*n),
        Step::Append => Some(len),
        Step::Key(_) => None,
    }
}

pub(crate) fn lookup<'v>(v: &'v Value, path: &[Step]) -> Option<&'v Value> {
    let mut cur = v;
    for s in path {
        cur = match (cur, s) {
            (Value::Object(m), Step::Key(k)) => m.get(k)?,
            (Value::Array(a), s) => a.get(index_of(s, a.len())?)?,
            _ => return None,
        };
    }
    Some(cur)
}

#[derive(Clone, Copy, PartialEq)]
enum Put {
    Set,
    Insert,
    Replace,
}

fn put(root: &mut Value, path: &[Step], val: Value, how: Put) {
    let Some((last, parents)) = path.split_last() else {
        if how != Put::Insert {
            *root = val;
        }
        return;
    };
    let mut cur = root;
    for s in parents {
        cur = match (cur, s) {
            (Value::Object(m), Step::Key(k)) => {
                if !m.contains_key(k) {
                    if how == Put::Replace {
                        return;
                    }
                    m.insert(k.clone(), Value::Object(Map::new()));
                }
                match m.get_mut(k) {
                    Some(v) => v,
                    None => return,
                }
            }
            (Value::Array(a), s) => {
                let Some(i) = index_of(s, a.len()) else {
                    return;
                };
                match a.get_mut(i) {
                    Some(v) => v,
                    None => return,
                }
            }
            _ => return,
        };
    }
    match (cur, last) {
        (Value::Object(m), Step::Key(k)) => {
            let exists = m.contains_key(k);
            if (exists && how != Put::Insert) || (!exists && how != Put::Replace) {
                m.insert(k.clone(), val);
            }
        }
        (Value::Array(a), s) => {
            let Some(i) = index_of(s, a.len()) else {
                return;
            };
            if let Some(slot) = a.get_mut(i) {
                if how != Put::Insert {
                    *slot = val;
                }
            } else if i == a.len() && how != Put::Replace {
                a.push(val);
            }
        }
        _ => {}
    }
}

fn remove(root: &mut Value, path: &[Step]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut cur = root;
    for s in parents {
        cur = match (cur, s) {
            (Value::Object(m), Step::Key(k)) => match m.get_mut(k) {
                Some(v) => v,
                None => return true,
            },
            (Value::Array(a), s) => match index_of(s, a.len()).and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return true,
            },
            _ => return true,
        };
    }
    match (cur, last) {
        (Value::Object(m), Step::Key(k)) => {
            m.shift_remove(k);
        }
        (Value::Array(a), s) => {
            if let Some(i) = index_of(s, a.len()).filter(|&i| i < a.len()) {
                a.remove(i);
            }
        }
        _ => {}
    }
    true
}

/// RFC 7396 merge patch.
fn merge_patch(target: &mut Value, patch: Value) {
    let Value::Object(p) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.shift_remove(&k);
            } else {
                merge_patch(t.entry(k).or_insert(Value::Null), v);
            }
        }
    }
}

/// SQL ordering of json_extract results: NULL, numbers, text, then JSON text.
fn sort_key(v: Option<&Value>) -> (u8, f64, String) {
    match v {
        None | Some(Value::Null) => (0, 0.0, String::new()),
        Some(Value::Bool(b)) => (1, f64::from(u8::from(*b)), String::new()),
        Some(Value::Number(n)) => (1, n.as_f64().unwrap_or(0.0), String::new()),
        Some(Value::String(s)) => (2, 0.0, s.clone()),
        Some(other) => (2, 0.0, sql_text(other)),
    }
}

fn fun_json_mod(_: &mut Eval, a: &Args, o: &mut String) {
    let op = strip_markup(a.get(1)).to_ascii_lowercase();
    let needs4 = matches!(op.as_str(), "set" | "insert" | "replace");
    if !needs4 && !matches!(op.as_str(), "remove" | "patch" | "sort") {
        return push(o, "#-1 INVALID OPERATION");
    }
    if needs4 && a.len() != 4 {
        return push(o, "#-1 FUNCTION EXPECTS 4 ARGUMENTS");
    }
    let Some(mut doc) = parse(&strip_markup(a.get(0))) else {
        return push(o, E_JSON);
    };
    let arg2 = strip_markup(a.get(2));
    if op == "patch" {
        let Some(p) = parse(&arg2) else {
            return push(o, E_JSON);
        };
        merge_patch(&mut doc, p);
        return push(o, &sql_text(&doc));
    }
    let Some(path) = parse_path(&arg2) else {
        return push(o, E_JSON);
    };
    match op.as_str() {
        "remove" => {
            if !remove(&mut doc, &path) {
                return;
            }
        }
        "sort" => {
            let items: Vec<Value> = match doc {
                Value::Array(v) => v,
                Value::Object(m) => m.into_iter().map(|(_, v)| v).collect(),
                other => vec![other],
            };
            let mut keyed: Vec<((u8, f64, String), Value)> = items
                .into_iter()
                .map(|v| (sort_key(lookup(&v, &path)), v))
                .collect();
            keyed.sort_by(|(x, _), (y, _)| {
                x.0.cmp(&y.0)
                    .then(x.1.total_cmp(&y.1))
                    .then_with(|| x.2.cmp(&y.2))
            });
            doc = Value::Array(keyed.into_iter().map(|(_, v)| v).collect());
        }
        _ => {
            let Some(val) = parse(&strip_markup(a.get(3))) else {
                return push(o, E_JSON);
            };
            let how = match op.as_str() {
                "insert" => Put::Insert,
                "replace" => Put::Replace,
                _ => Put::Set,
            };
            put(&mut doc, &path, val, how);
        }
    }
    push(o, &sql_text(&doc))
}
