//! Searching the database (PennMUSH's wiz.c search and fundb.c/funlist.c helpers):
//! lsearch/search/lsearchr/nlsearch/nsearch with PennMUSH's search classes,
//! lstats/stats, nextdbref.
//!
//! A search walks every dbref once; listing stops when the output buffer is full and
//! eval classes stop at the invocation limit or the time budget.

use crate::eval::{push, push_i64, Args, Eval, MAX_OUTPUT};
use crate::functions::db::{push_dbref, E_PERM};
use crate::functions::math::truthy;
use crate::functions::{FnDef, MANY};
use crate::host::{Dbref, ObjType, NOTHING};
use crate::parse::Mode;

/// A parsed search: PennMUSH's search_spec.
struct Spec {
    /// None: any owner.
    owner: Option<Dbref>,
    kind: Option<ObjType>,
    name: String,
    /// None: any parent.
    parent: Option<Dbref>,
    /// None: any zone; Some(NOTHING): unzoned objects only.
    zone: Option<Dbref>,
    flags: String,
    lflags: String,
    powers: String,
    lock: String,
    eval: String,
    low: Dbref,
    high: Dbref,
    start: i64,
    count: i64,
}

fn parse_int(s: &str) -> i64 {
    let t = s.trim();
    let digits: String = t
        .chars()
        .enumerate()
        .take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '-'))
        .map(|(_, c)| c)
        .collect();
    digits.parse().unwrap_or(0)
}

fn is_dbrefish(s: &str) -> bool {
    let t = s.strip_prefix('#').unwrap_or(s);
    t.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn dbref_num(s: &str) -> i64 {
    parse_int(s.strip_prefix('#').unwrap_or(s))
}

/// PennMUSH's string_prefix: `prefix` starts `word`, case-insensitively.
fn prefix_of(prefix: &str, word: &str) -> bool {
    !prefix.is_empty()
        && word
            .get(..prefix.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(prefix))
}

/// An object id `#N` or `#N:ctime` naming a live object.
fn objid(ev: &Eval, s: &str) -> Option<Dbref> {
    let t = s.trim().strip_prefix('#')?;
    let (num, ctime) = match t.split_once(':') {
        Some((n, c)) => (n, Some(c)),
        None => (t, None),
    };
    let d: Dbref = num.parse().ok()?;
    if !ev.host.exists(d) {
        return None;
    }
    match ctime {
        Some(c) if c.parse::<i64>().ok() != Some(ev.host.creation_time(d)) => None,
        _ => Some(d),
    }
}

/// Fill a spec from the owner argument and class/restriction pairs; on error the
/// executor is told why and None returned.
fn fill_spec(ev: &mut Eval, owner: &str, pairs: &[String]) -> Option<Spec> {
    let ex = ev.ctx.executor;
    let me = ev.host.owner(ex);
    let wiz = ev.host.is_wizard(ex);
    let fail = |ev: &mut Eval, msg: &str| -> Option<Spec> {
        ev.host.notify(ex, msg);
        None
    };
    let o = owner.trim();
    let owner = if o.is_empty() {
        if wiz {
            None
        } else {
            Some(me)
        }
    } else if o.eq_ignore_ascii_case("all") {
        None
    } else if o.eq_ignore_ascii_case("me") {
        Some(me)
    } else {
        let bare = o.strip_prefix('*').unwrap_or(o);
        let found = match bare.strip_prefix('#').and_then(|n| n.parse::<Dbref>().ok()) {
            Some(d) => Some(d).filter(|d| ev.host.obj_type(*d) == Some(ObjType::Player)),
            None => ev.host.player_by_name(bare),
        };
        match found {
            Some(d) => Some(d),
            None => return fail(ev, "Unknown owner."),
        }
    };
    if pairs.len() % 2 != 0 {
        return fail(ev, "Invalid search class+restriction format.");
    }
    let mut s = Spec {
        owner,
        kind: None,
        name: String::new(),
        parent: None,
        zone: None,
        flags: String::new(),
        lflags: String::new(),
        powers: String::new(),
        lock: String::new(),
        eval: String::new(),
        low: 0,
        high: Dbref::MAX,
        start: 1,
        count: 0,
    };
    for pair in pairs.chunks(2) {
        let (class, res) = match pair {
            [c, r] => (c.trim(), r.as_str()),
            _ => continue,
        };
        if class.is_empty() {
            if is_dbrefish(res.trim()) {
                s.high = dbref_num(res.trim());
            }
            continue;
        }
        if is_dbrefish(class) {
            s.low = dbref_num(class);
            if is_dbrefish(res.trim()) {
                s.high = dbref_num(res.trim());
            }
            continue;
        }
        let c = class.to_ascii_lowercase();
        let typed = |t: &str| -> Option<ObjType> {
            if prefix_of(t, "things") || prefix_of(t, "objects") {
                Some(ObjType::Thing)
            } else if prefix_of(t, "rooms") {
                Some(ObjType::Room)
            } else if prefix_of(t, "exits") {
                Some(ObjType::Exit)
            } else if prefix_of(t, "players") {
                Some(ObjType::Player)
            } else {
                None
            }
        };
        match c.as_str() {
            "none" => {}
            "mindb" => s.low = dbref_num(res.trim()),
            "maxdb" => s.high = dbref_num(res.trim()),
            "type" => match typed(res.trim()) {
                Some(t) => s.kind = Some(t),
                None if res.trim().eq_ignore_ascii_case("garbage") => {
                    s.kind = Some(ObjType::Garbage)
                }
                None => return fail(ev, "Unknown type."),
            },
            "name" => s.name = res.to_string(),
            "start" => {
                s.start = parse_int(res);
                if s.start < 1 {
                    return fail(ev, "Invalid start index");
                }
            }
            "count" => {
                s.count = parse_int(res);
                if s.count < 1 {
                    return fail(ev, "Invalid count index");
                }
            }
            "parent" => {
                if res.trim().is_empty() {
                    s.parent = Some(NOTHING);
                } else {
                    match objid(ev, res) {
                        Some(p) => s.parent = Some(p),
                        None => return fail(ev, "Unknown parent."),
                    }
                }
            }
            "zone" => {
                if res.trim().is_empty() {
                    s.zone = Some(NOTHING);
                } else {
                    match objid(ev, res) {
                        Some(z) => s.zone = Some(z),
                        None => return fail(ev, "Unknown zone."),
                    }
                }
            }
            "elock" => {
                if ev.host.test_key(ex, res, ex).is_none() {
                    return fail(ev, "I don't understand that key.");
                }
                s.lock = res.to_string();
            }
            "eval" => s.eval = res.to_string(),
            _ => {
                if let Some(t) = typed(&c) {
                    s.kind = Some(t);
                    s.name = res.to_string();
                } else if let Some(t) = c.strip_prefix('e').and_then(typed) {
                    s.kind = Some(t);
                    s.eval = res.to_string();
                } else if prefix_of(&c, "powers") {
                    if res.trim().is_empty() {
                        return fail(ev, "You must give a list of power names.");
                    }
                    s.powers = res.to_string();
                } else if prefix_of(&c, "flags") {
                    if res.trim().is_empty() {
                        return fail(ev, "You must give a string of flag characters.");
                    }
                    s.flags = res.to_string();
                } else if prefix_of(&c, "lflags") {
                    if res.trim().is_empty() {
                        return fail(ev, "You must give a list of flag names.");
                    }
                    s.lflags = res.to_string();
                } else {
                    return fail(ev, "Unknown search class.");
                }
            }
        }
    }
    Some(s)
}

/// PennMUSH's string_match: `pat` starts the name or one of its words.
pub(crate) fn name_matches(name: &str, pat: &str) -> bool {
    let n = name.to_lowercase();
    let p = pat.to_lowercase();
    n.starts_with(&p)
        || n.match_indices(' ')
            .any(|(i, _)| n.get(i + 1..).is_some_and(|rest| rest.starts_with(&p)))
}

/// The dbrefs the spec selects, in dbref order; stops when `limit` results are found
/// (the caller's output would be full) or evaluation must stop.
fn raw_search(ev: &mut Eval, s: &Spec, limit: usize) -> Vec<Dbref> {
    let ex = ev.ctx.executor;
    let wiz = ev.host.is_wizard(ex);
    let me = ev.host.owner(ex);
    let vis_only = !wiz && s.owner != Some(me);
    let top = ev.host.db_top();
    let low = s.low.max(0);
    let high = s.high.min(top.saturating_sub(1));
    let mut out = Vec::new();
    let mut count: i64 = 0;
    let mut d = low;
    while d <= high {
        let this = d;
        d += 1;
        let Some(t) = ev.host.obj_type(this) else {
            continue;
        };
        if t == ObjType::Garbage && s.kind != Some(ObjType::Garbage) {
            continue;
        }
        if s.owner.is_some_and(|o| ev.host.owner(this) != o) {
            continue;
        }
        if vis_only && !(ev.host.controls(ex, this) || ev.host.has_flag(this, "VISUAL")) {
            continue;
        }
        if s.kind.is_some_and(|k| k != t) {
            continue;
        }
        if s.zone.is_some_and(|z| ev.host.zone(this) != z) {
            continue;
        }
        if s.parent.is_some_and(|p| ev.host.parent(this) != p) {
            continue;
        }
        if !s.name.is_empty() && !name_matches(&ev.host.name(this).unwrap_or_default(), &s.name) {
            continue;
        }
        if !s.flags.is_empty() {
            let have: Vec<char> = ev.host.flags(this).iter().map(|(_, c)| *c).collect();
            let type_letter = crate::functions::db::type_letter(t);
            if !s
                .flags
                .chars()
                .filter(|c| !c.is_whitespace())
                .all(|c| have.contains(&c) || c == type_letter)
            {
                continue;
            }
        }
        if !s.lflags.is_empty() {
            let have = ev.host.flags(this);
            if !s
                .lflags
                .split_whitespace()
                .all(|f| have.iter().any(|(n, _)| n.eq_ignore_ascii_case(f)))
            {
                continue;
            }
        }
        if !s.powers.is_empty() {
            // Nothing has powers in mushd.
            continue;
        }
        if !s.lock.is_empty() && ev.host.test_key(ex, &s.lock, this) != Some(true) {
            continue;
        }
        if !s.eval.is_empty() {
            if ev.aborted() || ev.invocations >= ev.limits.invocations {
                break;
            }
            let code = s.eval.replace("##", &format!("#{this}"));
            let r = ev.eval_str(&code, Mode::Default).unwrap_or_default();
            if ev.aborted() {
                ev.host
                    .notify(ex, &format!("CPU usage exceeded during #{this}."));
                break;
            }
            if !truthy(&r) {
                continue;
            }
        }
        count += 1;
        if count < s.start || (s.count > 0 && count >= s.start + s.count) {
            continue;
        }
        out.push(this);
        if out.len() >= limit {
            break;
        }
    }
    out
}

fn search(ev: &mut Eval, a: &Args, o: &mut String, reverse: bool, count_only: bool) {
    let pairs: Vec<String> = a.all().iter().skip(1).cloned().collect();
    let owner = a.get(0).to_string();
    let Some(spec) = fill_spec(ev, &owner, &pairs) else {
        return push(o, "#-1");
    };
    // "#N " is at least 3 bytes: more results than this cannot be shown.
    let limit = if count_only || reverse {
        usize::MAX
    } else {
        MAX_OUTPUT / 2 + 1
    };
    let found = raw_search(ev, &spec, limit);
    if count_only {
        return push_i64(o, i64::try_from(found.len()).unwrap_or(i64::MAX));
    }
    if found.is_empty() {
        let ex = ev.ctx.executor;
        ev.host.notify(ex, "Nothing found.");
        return;
    }
    let list: Box<dyn Iterator<Item = &Dbref>> = if reverse {
        Box::new(found.iter().rev())
    } else {
        Box::new(found.iter())
    };
    for (i, d) in list.enumerate() {
        if i > 0 {
            push(o, " ");
        }
        push_dbref(o, *d);
        if o.len() >= MAX_OUTPUT {
            break;
        }
    }
}

fn fun_lsearch(ev: &mut Eval, a: &Args, o: &mut String) {
    search(ev, a, o, false, false)
}
fn fun_lsearchr(ev: &mut Eval, a: &Args, o: &mut String) {
    search(ev, a, o, true, false)
}
fn fun_nlsearch(ev: &mut Eval, a: &Args, o: &mut String) {
    search(ev, a, o, false, true)
}

/// lstats([player]): total rooms exits things players garbage.
fn fun_lstats(ev: &mut Eval, a: &Args, o: &mut String) {
    let ex = ev.ctx.executor;
    let arg = a.get(0).trim();
    let who = if arg.is_empty() || arg.eq_ignore_ascii_case("all") {
        None
    } else if arg.eq_ignore_ascii_case("me") {
        Some(ev.host.owner(ex))
    } else {
        let bare = arg.strip_prefix('*').unwrap_or(arg);
        let found = match bare.strip_prefix('#').and_then(|n| n.parse::<Dbref>().ok()) {
            Some(d) => Some(d).filter(|d| ev.host.obj_type(*d) == Some(ObjType::Player)),
            None => ev.host.player_by_name(bare),
        };
        match found {
            Some(d) => Some(d),
            None => return push(o, "#-1 NOT FOUND"),
        }
    };
    if who.is_some_and(|w| w != ev.host.owner(ex)) && !ev.host.is_wizard(ex) {
        return push(o, E_PERM);
    }
    let mut n = [0i64; 5];
    for d in 0..ev.host.db_top() {
        let t = ev.host.obj_type(d);
        if t.is_some() && who.is_some_and(|w| ev.host.owner(d) != w) {
            continue;
        }
        let i = match t {
            Some(ObjType::Room) => 0,
            Some(ObjType::Exit) => 1,
            Some(ObjType::Thing) => 2,
            Some(ObjType::Player) => 3,
            Some(ObjType::Garbage) | None if who.is_none() => 4,
            _ => continue,
        };
        if let Some(slot) = n.get_mut(i) {
            *slot += 1;
        }
    }
    let total: i64 = n.iter().sum();
    push(o, &format!("{total} {} {} {} {}", n[0], n[1], n[2], n[3]));
    // Garbage belongs to nobody: only the whole database's stats count it.
    if who.is_none() {
        push(o, " ");
        push_i64(o, n[4]);
    }
}

fn fun_nextdbref(ev: &mut Eval, _a: &Args, o: &mut String) {
    push_dbref(o, ev.host.next_dbref());
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("LSEARCH", 1, MANY, fun_lsearch),
    FnDef::new("SEARCH", 1, MANY, fun_lsearch),
    FnDef::new("LSEARCHR", 1, MANY, fun_lsearchr),
    FnDef::new("NLSEARCH", 1, MANY, fun_nlsearch),
    FnDef::new("NSEARCH", 1, MANY, fun_nlsearch),
    FnDef::new("LSTATS", 0, 1, fun_lstats),
    FnDef::new("STATS", 0, 1, fun_lstats),
    FnDef::new("NEXTDBREF", 0, 0, fun_nextdbref),
];

#[cfg(test)]
mod tests {
    use crate::host::{FreshDb, ObjType};
    use crate::test_support::{run, world};

    #[test]
    fn lsearch_classes_and_permissions() {
        let mut db = world();
        assert_eq!(run(&mut db, 1, "[lsearch(all,type,thing)]"), "#4 #5 #6");
        assert_eq!(run(&mut db, 1, "[lsearchr(all,type,thing)]"), "#6 #5 #4");
        assert_eq!(run(&mut db, 1, "[nlsearch(all,type,player)]"), "2");
        assert_eq!(run(&mut db, 1, "[lsearch(all,things,b)]"), "#5 #6");
        assert_eq!(run(&mut db, 1, "[lsearch(all,name,rock)]"), "#6");
        assert_eq!(run(&mut db, 1, "[lsearch(*Bob,none,none)]"), "#3 #5 #6");
        assert_eq!(
            run(
                &mut db,
                1,
                "[lsearch(all,eval,\\[strmatch(name(##),B*)\\])]"
            ),
            "#3 #5 #6"
        );
        assert_eq!(
            run(
                &mut db,
                1,
                "[lsearch(all,ethings,\\[strmatch(name(##),B*)\\])]"
            ),
            "#5 #6"
        );
        assert_eq!(
            run(&mut db, 1, "[lsearch(all,type,thing,start,2,count,1)]"),
            "#5"
        );
        assert_eq!(
            run(&mut db, 1, "[lsearch(all,type,thing,mindb,5)]"),
            "#5 #6"
        );
        assert_eq!(run(&mut db, 1, "[lsearch(all,bogus,x)]"), "#-1");
        assert_eq!(run(&mut db, 1, "[lsearch(all,type)]"), "#-1");
        assert_eq!(run(&mut db, 1, "[lsearch(all,flags,W)]"), "#1");
        // A mortal sees only what it controls.
        assert_eq!(run(&mut db, 3, "[lsearch(all,type,thing)]"), "#5 #6");
        assert_eq!(run(&mut db, 3, "[lsearch(,none,none)]"), "#3 #5 #6");
        assert_eq!(run(&mut db, 3, "[nlsearch(*One,none,none)]"), "0");
    }

    #[test]
    fn lsearch_stays_bounded() {
        let mut db = FreshDb::new();
        for i in 0..100_000 {
            db.add(&format!("T{i}"), ObjType::Thing, 0, 1);
        }
        let out = run(&mut db, 1, "[lsearch(all,type,thing)]");
        assert!(out.len() <= crate::eval::MAX_OUTPUT);
        assert_eq!(run(&mut db, 1, "[nlsearch(all,type,thing)]"), "100000");
        let e = run(&mut db, 1, "[nlsearch(all,eval,\\[gt(add(1,1),1)\\])]");
        assert!(e.parse::<i64>().unwrap_or(0) < 100_000, "{e}");
    }

    #[test]
    fn stats_and_attribute_listing() {
        let mut db = world();
        assert_eq!(run(&mut db, 1, "[lstats()]"), "7 2 0 3 2 0");
        assert_eq!(run(&mut db, 3, "[lstats(me)]"), "3 0 0 2 1");
        assert_eq!(run(&mut db, 3, "[lstats(*One)]"), "#-1 PERMISSION DENIED");
        assert_eq!(run(&mut db, 1, "[nextdbref()]"), "#7");
    }
}
