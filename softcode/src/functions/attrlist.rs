//! Attribute and name lists (PennMUSH's fundb.c/funlist.c): xattr/xattrp and the
//! regex forms regxattr/reglattr/regnattr (with parent `p` forms), namegrab/
//! namegraball, namelist.

use crate::eval::{push, push_i64, Args, Eval, E_NOTVIS, MAX_OUTPUT};
use crate::functions::attrs::attr_chain;
use crate::functions::db::{match_obj, push_dbref, split_obj_attr, start_count};
use crate::functions::functional::call_once;
use crate::functions::regex::compile;
use crate::functions::search::name_matches;
use crate::functions::wild::wild_regex;
use crate::functions::FnDef;
use crate::host::{Dbref, ObjType, NOTHING};

/// Attribute names of `obj/pattern` the executor may see, matched by wildcard or regex.
fn attr_names(
    ev: &mut Eval,
    spec: &str,
    parents: bool,
    regex: bool,
    o: &mut String,
) -> Option<Vec<String>> {
    let (ob, pat) = split_obj_attr(spec).unwrap_or((spec, if regex { "." } else { "*" }));
    let Some(d) = match_obj(ev, ob) else {
        push(o, E_NOTVIS);
        return None;
    };
    let ex = ev.ctx.executor;
    if !(ev.host.controls(ex, d) || ev.host.has_flag(d, "VISUAL")) {
        return Some(Vec::new());
    }
    let pat = pat.trim();
    let matcher: Box<dyn Fn(&str) -> bool> = if regex {
        match compile(pat, true) {
            Ok(re) => Box::new(move |n: &str| re.is_match(n).unwrap_or(false)),
            Err(e) => {
                push(o, &e);
                return None;
            }
        }
    } else {
        let p = if pat.is_empty() { "*" } else { pat };
        let re = wild_regex(p, false)?;
        Box::new(move |n: &str| re.is_match(n).unwrap_or(false))
    };
    let wiz = ev.host.is_wizard(ex);
    let mut names = Vec::new();
    let mut len = 0usize;
    for x in attr_chain(ev, d, parents) {
        if !wiz && x.flags.iter().any(|(n, _)| n == "mortal_dark") {
            continue;
        }
        if matcher(&x.name) {
            len += x.name.len() + 1;
            names.push(x.name);
            if len > MAX_OUTPUT {
                break;
            }
        }
    }
    Some(names)
}

fn osep(a: &Args, i: usize) -> String {
    if a.len() > i {
        a.get(i).to_string()
    } else {
        " ".to_string()
    }
}

fn xattr(ev: &mut Eval, a: &Args, o: &mut String, parents: bool, regex: bool) {
    let (skip, take) = match start_count(a) {
        Ok(r) => r,
        Err(e) => return push(o, e),
    };
    if let Some(names) = attr_names(ev, a.get(0), parents, regex, o) {
        let part: Vec<String> = names.into_iter().skip(skip).take(take).collect();
        push(o, &part.join(&osep(a, 3)));
    }
}

fn fun_xattr(ev: &mut Eval, a: &Args, o: &mut String) {
    xattr(ev, a, o, false, false)
}
fn fun_xattrp(ev: &mut Eval, a: &Args, o: &mut String) {
    xattr(ev, a, o, true, false)
}
fn fun_regxattr(ev: &mut Eval, a: &Args, o: &mut String) {
    xattr(ev, a, o, false, true)
}
fn fun_regxattrp(ev: &mut Eval, a: &Args, o: &mut String) {
    xattr(ev, a, o, true, true)
}

fn fun_reglattr(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(names) = attr_names(ev, a.get(0), false, true, o) {
        push(o, &names.join(&osep(a, 1)));
    }
}
fn fun_reglattrp(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(names) = attr_names(ev, a.get(0), true, true, o) {
        push(o, &names.join(&osep(a, 1)));
    }
}
fn fun_regnattr(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(names) = attr_names(ev, a.get(0), false, true, o) {
        push_i64(o, i64::try_from(names.len()).unwrap_or(0));
    }
}
fn fun_regnattrp(ev: &mut Eval, a: &Args, o: &mut String) {
    if let Some(names) = attr_names(ev, a.get(0), true, true, o) {
        push_i64(o, i64::try_from(names.len()).unwrap_or(0));
    }
}

/// The objects of a dbref list whose names match `name`: exact matches first, then
/// partial (word-prefix) ones.
fn grab(ev: &Eval, list: &str, name: &str, sep: char) -> (Vec<Dbref>, Vec<Dbref>) {
    let (mut exact, mut partial) = (Vec::new(), Vec::new());
    for item in crate::functions::lists::split_sep(list, sep) {
        let Some(d) = item
            .trim()
            .strip_prefix('#')
            .and_then(|n| n.parse::<Dbref>().ok())
            .filter(|d| ev.host.exists(*d))
        else {
            continue;
        };
        let n = ev.host.name(d).unwrap_or_default();
        if n.eq_ignore_ascii_case(name.trim()) {
            exact.push(d);
        } else if name_matches(&n, name.trim()) {
            partial.push(d);
        }
    }
    (exact, partial)
}

fn fun_namegrab(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(sep) = crate::functions::lists::sep_arg(a, 2) else {
        return push(o, crate::functions::lists::E_SEP);
    };
    let (exact, partial) = grab(ev, a.get(0), a.get(1), sep);
    if let Some(d) = exact.first().or(partial.first()) {
        push_dbref(o, *d);
    }
}

fn fun_namegraball(ev: &mut Eval, a: &Args, o: &mut String) {
    let Some(sep) = crate::functions::lists::sep_arg(a, 2) else {
        return push(o, crate::functions::lists::E_SEP);
    };
    let (exact, partial) = grab(ev, a.get(0), a.get(1), sep);
    let all: Vec<Dbref> = {
        let mut v: Vec<Dbref> = Vec::new();
        let list = crate::functions::lists::split_sep(a.get(0), sep);
        for item in list {
            let d = item
                .trim()
                .strip_prefix('#')
                .and_then(|n| n.parse::<Dbref>().ok());
            if let Some(d) = d.filter(|d| exact.contains(d) || partial.contains(d)) {
                v.push(d);
            }
        }
        v
    };
    for (i, d) in all.iter().enumerate() {
        if i > 0 {
            o.push(sep);
        }
        push_dbref(o, *d);
        if o.len() >= MAX_OUTPUT {
            break;
        }
    }
}

/// Words of a page-style player list: `"two words"` quoted names kept together.
fn player_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        if let Some(q) = rest.strip_prefix('"') {
            let (w, r) = q.split_once('"').unwrap_or((q, ""));
            out.push(w.trim().to_string());
            rest = r.trim_start();
        } else {
            let (w, r) = rest.split_once(' ').unwrap_or((rest, ""));
            out.push(w.to_string());
            rest = r.trim_start();
        }
        if out.len() > 1000 {
            break;
        }
    }
    out
}

fn fun_namelist(ev: &mut Eval, a: &Args, o: &mut String) {
    let ex = ev.ctx.executor;
    let report = (a.len() > 1 && !a.get(1).trim().is_empty()).then(|| {
        let spec = a.get(1).trim();
        if spec.contains('/') {
            spec.to_string()
        } else {
            format!("#{ex}/{spec}")
        }
    });
    let mut first = true;
    for w in player_words(a.get(0)) {
        let d = if let Some(n) = w.strip_prefix('#').and_then(|n| n.parse::<Dbref>().ok()) {
            if ev.host.obj_type(n) == Some(ObjType::Player) {
                n
            } else {
                NOTHING
            }
        } else if w.eq_ignore_ascii_case("me") && ev.host.obj_type(ex) == Some(ObjType::Player) {
            ex
        } else {
            ev.host
                .player_by_name(w.strip_prefix('*').unwrap_or(&w))
                .unwrap_or(NOTHING)
        };
        if !first {
            push(o, " ");
        }
        first = false;
        push_dbref(o, d);
        if d == NOTHING {
            if let Some(spec) = &report {
                let mut sink = String::new();
                call_once(ev, spec, &[&w, "#-1"], &mut sink);
            }
        }
        if o.len() >= MAX_OUTPUT {
            break;
        }
    }
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("XATTR", 3, 4, fun_xattr),
    FnDef::new("XATTRP", 3, 4, fun_xattrp),
    FnDef::new("REGXATTR", 3, 4, fun_regxattr),
    FnDef::new("REGXATTRP", 3, 4, fun_regxattrp),
    FnDef::new("REGLATTR", 1, 2, fun_reglattr),
    FnDef::new("REGLATTRP", 1, 2, fun_reglattrp),
    FnDef::new("REGNATTR", 1, 1, fun_regnattr),
    FnDef::new("REGNATTRP", 1, 1, fun_regnattrp),
    FnDef::new("NAMEGRAB", 2, 3, fun_namegrab),
    FnDef::new("NAMEGRABALL", 2, 3, fun_namegraball),
    FnDef::new("NAMELIST", 1, 2, fun_namelist),
];

#[cfg(test)]
mod tests {
    use crate::host::ObjType;
    use crate::test_support::{run, world};

    const NO_INHERIT: &[(&str, char)] = &[("no_inherit", 'i')];

    #[test]
    fn parents_keep_their_no_inherit_attributes() {
        let mut db = world();
        // Apple (#4) <- Parent (#7) <- Grandparent (#8).
        let parent = db.add("Parent", ObjType::Thing, 0, 1);
        let grand = db.add("Grandparent", ObjType::Thing, 0, 1);
        db.set_parent(4, parent);
        db.set_parent(parent, grand);
        db.set_attr(4, "OWN", "mine");
        db.set_attr_flags(4, "OWN", NO_INHERIT);
        db.set_attr(parent, "PUB", "shared");
        db.set_attr(parent, "SECRET", "private");
        db.set_attr_flags(parent, "SECRET", NO_INHERIT);
        db.set_attr(parent, "SHARED", "private here");
        db.set_attr_flags(parent, "SHARED", NO_INHERIT);
        db.set_attr(grand, "SHARED", "hidden by the parent's");
        db.set_attr(grand, "OLD", "inherited");
        // The object's own no_inherit attributes are listed; its parent's are not, and
        // they still hide the grandparent's of the same name.
        assert_eq!(run(&mut db, 1, "[lattr(#4)]"), "OWN");
        assert_eq!(run(&mut db, 1, "[lattrp(#4)]"), "OWN PUB OLD");
        assert_eq!(run(&mut db, 1, "[nattrp(#4)]|[nattr(#4)]"), "3|1");
        assert_eq!(run(&mut db, 1, "[xattrp(#4,2,2)]"), "PUB OLD");
        assert_eq!(run(&mut db, 1, "[lattrp(#4/S*)]"), "");
        assert_eq!(
            run(&mut db, 1, "[reglattrp(#4/U|L)]|[regnattrp(#4/U|L)]"),
            "PUB OLD|2"
        );
        assert_eq!(run(&mut db, 1, "[pgrep(#4,*,ed)]"), "PUB OLD");
        // On the parent itself they are its own.
        assert_eq!(run(&mut db, 1, "[lattrp(#7)]"), "PUB SECRET SHARED OLD");
    }

    #[test]
    fn attribute_listing() {
        let mut db = world();
        db.set_attr(1, "AA", "1");
        db.set_attr(1, "AB", "2");
        db.set_attr(1, "BC", "3");
        assert_eq!(run(&mut db, 1, "[xattr(me/A*,1,5)]"), "AA AB");
        assert_eq!(run(&mut db, 1, "[xattr(me,2,2,|)]"), "AB|BC");
        assert_eq!(
            run(&mut db, 1, "[reglattr(me/^A)]|[regnattr(me/C$)]"),
            "AA AB|1"
        );
        assert_eq!(run(&mut db, 1, "[regxattr(me/.,3,1)]"), "BC");
        assert_eq!(
            run(&mut db, 1, "[xattr(me,0,1)]"),
            "#-1 ARGUMENT OUT OF RANGE"
        );
    }

    #[test]
    fn names() {
        let mut db = world();
        assert_eq!(run(&mut db, 1, "[namegrab(#4 #5 #6,rock)]"), "#6");
        assert_eq!(run(&mut db, 1, "[namegrab(#4 #5 #6,banana)]"), "#5");
        assert_eq!(run(&mut db, 1, "[namegraball(#4 #5 #6,b)]"), "#5 #6");
        assert_eq!(
            run(&mut db, 1, "[namelist(One bob nobody #3)]"),
            "#1 #3 #-1 #3"
        );
    }
}
