//! Issue 10, "no client can crash a connection": property tests over arbitrary input for
//! the parsers a client (or a player) reaches: the telnet codec and negotiator, the
//! login-screen parser and the lock-key parser with its glob. Each property asserts that
//! nothing panics and that the output keeps its invariants. The `cargo fuzz` targets in
//! `fuzz/` (run by `scripts/fuzz.sh`) cover the same ground for longer; inputs they found
//! are pinned below as plain regression tests.

use bytes::{Bytes, BytesMut};
use mushd::session::login::{self, LoginCommand};
use mushd::telnet::cmd::{DO, DONT, IAC, NOP, SB, SE, WILL, WONT};
use mushd::telnet::mud::{Charset, Negotiator, Outcome};
use mushd::telnet::{opt, TelnetCodec, TelnetEvent, TelnetFrame};
use mushd::world::lock::{self, Enactor, LockKey};
use mushd::world::{Dbref, Flags, ObjectKind};
use proptest::prelude::*;
use tokio_util::codec::Decoder;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Shrinking a failure is worth it, but not for minutes.
        max_shrink_iters: 2048,
        // Failures print their minimal input; the ones worth keeping are pinned as
        // regression tests at the end of this file rather than in a side file.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------
// Telnet: codec + negotiator
// ---------------------------------------------------------------------------------------

/// Decodes `chunks` as they would arrive from a socket, then the end of the stream.
fn decode_chunks(codec: &mut TelnetCodec, chunks: &[&[u8]]) -> Vec<TelnetEvent> {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Some(e) = codec.decode(&mut buf).expect("decode never fails") {
            out.push(e);
        }
    }
    while let Some(e) = codec.decode_eof(&mut buf).expect("decode_eof never fails") {
        out.push(e);
    }
    out
}

/// Splits `stream` at the given (unsorted) cut points.
fn split_at<'a>(stream: &'a [u8], cuts: &[prop::sample::Index]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::with_capacity(points.len() + 1);
    let mut last = 0;
    for p in points {
        chunks.push(&stream[last..p]);
        last = p;
    }
    chunks.push(&stream[last..]);
    chunks
}

/// Options the negotiator treats specially, plus a few it refuses.
fn option_code() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(vec![
            opt::ECHO,
            opt::SGA,
            opt::TTYPE,
            opt::EOR,
            opt::NAWS,
            opt::NEW_ENVIRON,
            opt::CHARSET,
            opt::MSSP,
        ]),
        1 => any::<u8>(),
    ]
}

fn bytes_up_to(n: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..n)
}

/// A CHARSET subnegotiation payload: requests with and without TTABLE, odd separators,
/// empty lists, accepts and rejects.
fn charset_payload() -> impl Strategy<Value = Vec<u8>> {
    let name = prop::sample::select(vec![
        &b"UTF-8"[..],
        b"utf8",
        b"ISO-8859-1",
        b"US-ASCII",
        b"KOI8-R",
        b"",
    ]);
    let list = (any::<u8>(), prop::collection::vec(name, 0..4)).prop_map(|(sep, names)| {
        let mut out = Vec::new();
        for n in names {
            out.push(sep);
            out.extend_from_slice(n);
        }
        out
    });
    prop_oneof![
        (any::<bool>(), list, bytes_up_to(4)).prop_map(|(ttable, list, tail)| {
            let mut p = vec![1u8];
            if ttable {
                p.extend_from_slice(b"[TTABLE]\x01");
            }
            p.extend(list);
            p.extend(tail);
            p
        }),
        bytes_up_to(12).prop_map(|n| [&[2u8][..], &n].concat()),
        Just(vec![3u8]),
        Just(vec![1u8]),
        Just(b"\x01[TTABLE]\x01".to_vec()),
        bytes_up_to(16),
    ]
}

/// A TTYPE subnegotiation payload: IS answers (names, MTTS bit sets), SEND, junk.
fn ttype_payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            "MUDLET",
            "TINTIN++",
            "xterm",
            "XTERM",
            "MTTS 271",
            "MTTS 4",
            "MTTS x",
            "MTTS 99999999999"
        ])
        .prop_map(|s| [&[0u8][..], s.as_bytes()].concat()),
        bytes_up_to(80).prop_map(|n| [&[0u8][..], &n].concat()),
        Just(vec![0u8]),
        Just(vec![1u8]),
        Just(vec![]),
    ]
}

/// Wraps a payload as `IAC SB option payload IAC SE`, doubling IACs in it.
fn subneg(option: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![IAC, SB, option];
    for &b in payload {
        out.push(b);
        if b == IAC {
            out.push(IAC);
        }
    }
    out.extend_from_slice(&[IAC, SE]);
    out
}

/// A piece of a client's byte stream: text, line ends, every kind of IAC sequence,
/// well-formed and broken subnegotiations, raw bytes.
fn stream_piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(b' '..=b'~', 1..24),
        2 => prop::sample::select(vec![&b"\r\n"[..], b"\r\0", b"\n", b"\r", b"\0"]).prop_map(<[u8]>::to_vec),
        1 => Just(vec![IAC, IAC]),
        3 => (prop::sample::select(vec![WILL, WONT, DO, DONT]), option_code()).prop_map(|(v, o)| vec![IAC, v, o]),
        1 => any::<u8>().prop_map(|c| vec![IAC, c]),
        1 => Just(vec![IAC, NOP]),
        2 => bytes_up_to(6).prop_map(|p| subneg(opt::NAWS, &p)),
        2 => ttype_payload().prop_map(|p| subneg(opt::TTYPE, &p)),
        3 => charset_payload().prop_map(|p| subneg(opt::CHARSET, &p)),
        1 => (option_code(), bytes_up_to(100)).prop_map(|(o, p)| subneg(o, &p)),
        // Subnegotiation cut short, or broken by another command.
        1 => (option_code(), bytes_up_to(8)).prop_map(|(o, p)| [&[IAC, SB, o][..], &p].concat()),
        1 => Just(vec![IAC, SE]),
        2 => bytes_up_to(40),
    ]
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(stream_piece(), 0..40).prop_map(|parts| parts.concat())
}

/// The event a frame the server sends would produce at a telnet peer.
fn frame_as_event(frame: &TelnetFrame) -> Option<TelnetEvent> {
    match frame {
        TelnetFrame::Negotiate(WILL, o) => Some(TelnetEvent::Will(*o)),
        TelnetFrame::Negotiate(WONT, o) => Some(TelnetEvent::Wont(*o)),
        TelnetFrame::Negotiate(DO, o) => Some(TelnetEvent::Do(*o)),
        TelnetFrame::Negotiate(DONT, o) => Some(TelnetEvent::Dont(*o)),
        TelnetFrame::Subnegotiate(o, p) => Some(TelnetEvent::Subnegotiation(*o, p.clone())),
        TelnetFrame::Command(c) => Some(TelnetEvent::Command(*c)),
        _ => None,
    }
}

/// Every frame the negotiator answers with is a proper negotiation, about an option it
/// knows, and encodes to bytes that a telnet peer decodes back to exactly that frame.
fn check_frames(outcome: &Outcome) -> Result<(), TestCaseError> {
    prop_assert!(outcome.frames.len() <= 2, "{:?}", outcome.frames);
    for frame in &outcome.frames {
        match frame {
            TelnetFrame::Negotiate(verb, _) => {
                prop_assert!(matches!(*verb, WILL | WONT | DO | DONT), "{frame:?}");
            }
            TelnetFrame::Subnegotiate(o, payload) => {
                prop_assert!(matches!(*o, opt::TTYPE | opt::CHARSET), "{frame:?}");
                prop_assert!(!payload.is_empty(), "{frame:?}");
            }
            other => prop_assert!(false, "unexpected frame {other:?}"),
        }
        let mut wire = BytesMut::new();
        mushd::telnet::codec::encode_frame(frame, &mut wire);
        let echoed = decode_chunks(&mut TelnetCodec::new(64, 4096), &[&wire]);
        prop_assert_eq!(
            echoed,
            vec![frame_as_event(frame).expect("negotiation frame")]
        );
    }
    Ok(())
}

fn check_info(n: &Negotiator) -> Result<(), TestCaseError> {
    for name in [&n.info.client, &n.info.terminal].into_iter().flatten() {
        prop_assert!(name.chars().count() <= 64, "{name:?}");
        prop_assert!(!name.chars().any(char::is_control), "{name:?}");
    }
    prop_assert!(n.info.width != Some(0) && n.info.height != Some(0));
    Ok(())
}

/// Feeds every non-line event to the negotiator, checking each outcome.
fn negotiate(n: &mut Negotiator, events: &[TelnetEvent]) -> Result<Vec<Outcome>, TestCaseError> {
    let mut outcomes = Vec::new();
    for e in events {
        if matches!(e, TelnetEvent::Line { .. }) {
            continue;
        }
        let o = n.handle(e);
        check_frames(&o)?;
        check_info(n)?;
        outcomes.push(o);
    }
    Ok(outcomes)
}

fn outcome_key(o: &Outcome) -> (Vec<TelnetFrame>, bool, bool) {
    (o.frames.clone(), o.send_mssp, o.terminal_changed)
}

/// Runs one client stream through the codec (split into chunks) and the negotiator.
fn telnet_session(
    stream: &[u8],
    cuts: &[prop::sample::Index],
    max_line: usize,
    max_sb: usize,
    restore_at: prop::sample::Index,
) -> Result<(), TestCaseError> {
    let whole = decode_chunks(&mut TelnetCodec::new(max_line, max_sb), &[stream]);
    let chunks = split_at(stream, cuts);
    let events = decode_chunks(&mut TelnetCodec::new(max_line, max_sb), &chunks);
    prop_assert_eq!(&whole, &events, "chunking changed the events");

    for e in &events {
        match e {
            TelnetEvent::Line { bytes, .. } => {
                prop_assert!(
                    bytes.len() <= max_line,
                    "line of {} > {max_line}",
                    bytes.len()
                );
                prop_assert!(!bytes.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)));
                // Whatever arrived goes to the login screen in either charset.
                let _ = login::parse(&Charset::Utf8.decode(bytes));
                let _ = login::parse(&Charset::Latin1.decode(bytes));
            }
            TelnetEvent::Subnegotiation(_, payload) => {
                prop_assert!(
                    payload.len() <= max_sb,
                    "subnegotiation of {} > {max_sb}",
                    payload.len()
                );
            }
            _ => {}
        }
    }

    // The negotiator, after the offers a new connection sends.
    let mut n = Negotiator::new();
    for f in n.offers() {
        prop_assert!(matches!(f, TelnetFrame::Negotiate(WILL | DO, _)));
    }
    let at = restore_at.index(events.len() + 1);
    negotiate(&mut n, &events[..at])?;

    // A hot reboot in the middle: the restored negotiator carries on exactly as the
    // original, frame for frame.
    let snap = n.snapshot();
    let mut restored = Negotiator::restore(&snap);
    prop_assert_eq!(&restored.info, &n.info);
    prop_assert_eq!(restored.eor_enabled(), n.eor_enabled());
    let a = negotiate(&mut n, &events[at..])?;
    let b = negotiate(&mut restored, &events[at..])?;
    prop_assert_eq!(
        a.iter().map(outcome_key).collect::<Vec<_>>(),
        b.iter().map(outcome_key).collect::<Vec<_>>()
    );
    prop_assert_eq!(&restored.info, &n.info);
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn telnet_structured_streams(
        stream in stream(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..16),
        max_line in 1usize..48,
        max_sb in 1usize..48,
        restore_at in any::<prop::sample::Index>(),
    ) {
        telnet_session(&stream, &cuts, max_line, max_sb, restore_at)?;
    }

    #[test]
    fn telnet_raw_bytes(
        stream in prop::collection::vec(any::<u8>(), 0..600),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..16),
        max_line in 1usize..300,
        max_sb in 1usize..300,
        restore_at in any::<prop::sample::Index>(),
    ) {
        telnet_session(&stream, &cuts, max_line, max_sb, restore_at)?;
    }

    #[test]
    fn negotiator_takes_any_event(
        events in prop::collection::vec(
            prop_oneof![
                option_code().prop_map(TelnetEvent::Will),
                option_code().prop_map(TelnetEvent::Wont),
                option_code().prop_map(TelnetEvent::Do),
                option_code().prop_map(TelnetEvent::Dont),
                any::<u8>().prop_map(TelnetEvent::Command),
                option_code().prop_map(TelnetEvent::SubnegotiationOverflow),
                bytes_up_to(6).prop_map(|p| TelnetEvent::Subnegotiation(opt::NAWS, p.into())),
                ttype_payload().prop_map(|p| TelnetEvent::Subnegotiation(opt::TTYPE, p.into())),
                charset_payload().prop_map(|p| TelnetEvent::Subnegotiation(opt::CHARSET, p.into())),
                (option_code(), bytes_up_to(64)).prop_map(|(o, p)| TelnetEvent::Subnegotiation(o, p.into())),
            ],
            0..40,
        ),
    ) {
        let mut n = Negotiator::new();
        n.offers();
        negotiate(&mut n, &events)?;
    }

    #[test]
    fn charsets_decode_and_encode_anything(bytes in bytes_up_to(200), text in ".{0,60}") {
        // Latin-1 is byte-transparent both ways.
        let latin = Charset::Latin1.decode(&bytes);
        prop_assert_eq!(&Charset::Latin1.encode(&latin)[..], &bytes[..]);
        // UTF-8 decoding is lossy, never failing; what it yields encodes back as itself.
        let utf = Charset::Utf8.decode(&bytes);
        prop_assert_eq!(&Charset::Utf8.encode(&utf)[..], utf.as_bytes());
        if let Ok(valid) = std::str::from_utf8(&bytes) {
            prop_assert_eq!(utf.as_str(), valid);
        }
        prop_assert_eq!(Charset::Utf8.decode(&Charset::Utf8.encode(&text)), text.clone());
        // Latin-1 keeps one byte per character, '?' for what it cannot hold.
        let enc = Charset::Latin1.encode(&text);
        prop_assert_eq!(enc.len(), text.chars().count());
        let expected: String = text.chars().map(|c| if (c as u32) < 256 { c } else { '?' }).collect();
        prop_assert_eq!(Charset::Latin1.decode(&enc), expected);
    }
}

// ---------------------------------------------------------------------------------------
// Login screen
// ---------------------------------------------------------------------------------------

fn login_line() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "connect",
        "CONNECT",
        "co",
        "Conn",
        "create",
        "cr",
        "WHO",
        "quit",
        "mssp-request",
        "dance",
        "",
    ]);
    let arg = prop_oneof![
        "[a-zA-Z0-9 ]{0,12}",
        "\"[^\"]{0,12}\"?",
        "\\PC{0,12}",
        "[ \t\u{a0}\u{3000}\"]{0,4}",
    ];
    prop_oneof![
        (word, prop::collection::vec(arg, 0..4))
            .prop_map(|(w, args)| format!("{w} {}", args.join(" "))),
        ".{0,80}",
        any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn login_parse_never_panics(line in login_line()) {
        let parsed = login::parse(&line);
        match &parsed {
            LoginCommand::Connect { name, password } | LoginCommand::Create { name, password } => {
                prop_assert!(!name.is_empty() && !password.is_empty(), "{parsed:?}");
                prop_assert_eq!(name.trim(), name.as_str());
                prop_assert_eq!(password.trim(), password.as_str());
            }
            LoginCommand::Empty => prop_assert!(line.trim().is_empty()),
            _ => {}
        }
        // Surrounding whitespace and the case of the command word do not matter.
        prop_assert_eq!(login::parse(&format!(" \t{line}\u{a0} ")), parsed.clone());
        let trimmed = line.trim_start();
        let word_end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let shouted = format!("{}{}", trimmed[..word_end].to_ascii_uppercase(), &trimmed[word_end..]);
        prop_assert_eq!(login::parse(&shouted), parsed);
    }
}

// ---------------------------------------------------------------------------------------
// Locks
// ---------------------------------------------------------------------------------------

/// The names a test lock may mention.
fn resolve(name: &str) -> Result<Dbref, String> {
    match name.to_lowercase().as_str() {
        "bob" => Ok(Dbref(3)),
        "me" => Ok(Dbref(1)),
        "the box" => Ok(Dbref(7)),
        _ => Err(format!("I can't find {name}.")),
    }
}

/// How the game re-reads a stored (canonical) key: every name is already a dbref.
fn stored(name: &str) -> Result<Dbref, String> {
    Err(format!("unresolved name {name}"))
}

#[derive(Debug)]
struct Who {
    dbref: Dbref,
    flags: Flags,
    attrs: Vec<(String, String)>,
    carried: Vec<Dbref>,
    kind: ObjectKind,
    name: String,
}

impl Enactor for Who {
    fn dbref(&self) -> Dbref {
        self.dbref
    }
    fn flags(&self) -> Flags {
        self.flags
    }
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn carries(&self, what: Dbref) -> bool {
        self.carried.contains(&what)
    }
    fn kind(&self) -> Option<ObjectKind> {
        Some(self.kind)
    }
    fn name(&self) -> &str {
        &self.name
    }
}

fn enactor() -> impl Strategy<Value = Who> {
    (
        0u32..10,
        any::<u32>(),
        prop::collection::vec(
            (
                prop::sample::select(vec!["SEX", "RACE", "A", "ÉTÉ"]),
                "\\PC{0,10}",
            ),
            0..4,
        ),
        prop::collection::vec(0u32..10, 0..3),
        prop::sample::select(vec![
            ObjectKind::Player,
            ObjectKind::Thing,
            ObjectKind::Room,
            ObjectKind::Exit,
        ]),
        "[a-zA-Z ;]{0,10}",
    )
        .prop_map(|(d, flags, attrs, carried, kind, name)| Who {
            dbref: Dbref(d),
            flags: Flags(flags),
            attrs: attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            carried: carried.into_iter().map(Dbref).collect(),
            kind,
            name,
        })
}

/// Lock text from the grammar players use, with odd spacing and the occasional mistake.
fn lock_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        (0u32..12).prop_map(|d| format!("#{d}")),
        (0u32..12).prop_map(|d| format!("=#{d}")),
        prop::sample::select(vec![
            "bob", "ME", "=bob", "the box", "nobody", "*bob", "#-1", "#", "="
        ])
        .prop_map(str::to_string),
        prop::sample::select(vec!["wizard", "wiz", "DARK", "e", "link_ok", "nope", ""])
            .prop_map(|f| format!("flag^{f}")),
        prop::sample::select(vec!["player", "P", "thing", "room", "exit", "gadget", ""])
            .prop_map(|t| format!("type^{t}")),
        "[a-zA-Z*?:!=^ ]{0,6}".prop_map(|p| format!("NAME^{p}")),
        (
            prop::sample::select(vec!["sex", "RACE", "a", "été", "", "x y", "#3"]),
            "[a-zA-Z*?:!=^ ]{0,6}",
        )
            .prop_map(|(a, p)| format!("{a}:{p}")),
        "[^&|()]{0,6}",
    ];
    atom.prop_recursive(5, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} & {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}|{b}")),
            inner.clone().prop_map(|a| format!("!{a}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("( {a}")),
            inner.prop_map(|a| format!("{a})")),
        ]
    })
}

/// Nesting of the canonical text: And/Or inside And/Or are printed in parentheses,
/// except the left side of a chain of the same operator, which stays flat.
fn printed_depth(key: &LockKey) -> usize {
    let inner = |k: &LockKey| match k {
        LockKey::And(..) | LockKey::Or(..) => 1 + printed_depth(k),
        _ => printed_depth(k),
    };
    match key {
        LockKey::Not(k) => 1 + printed_depth(k),
        LockKey::And(a, b) if matches!(**a, LockKey::And(..)) => printed_depth(a).max(inner(b)),
        LockKey::Or(a, b) if matches!(**a, LockKey::Or(..)) => printed_depth(a).max(inner(b)),
        LockKey::And(a, b) | LockKey::Or(a, b) => inner(a).max(inner(b)),
        _ => 1,
    }
}

fn check_lock(text: &str, who: &Who) -> Result<(), TestCaseError> {
    let Ok(key) = lock::parse(text, &resolve) else {
        return Ok(());
    };
    let pass = key.eval(who);
    prop_assert_eq!(LockKey::Not(Box::new(key.clone())).eval(who), !pass);
    let canonical = key.to_string();
    // Parentheses the canonical text adds (`a&b|c` is stored as `(a&b)|c`) can take a
    // key the parser just accepted past its depth or length limit.
    let too_deep = printed_depth(&key) > 60 || canonical.len() > 2048;
    if too_deep {
        return Ok(());
    }
    // What @lock stores must read back, without any name lookup, to the same key.
    let again = lock::parse(&canonical, &stored);
    prop_assert_eq!(again.as_ref(), Ok(&key), "canonical text {:?}", canonical);
    prop_assert_eq!(key.eval(who), pass);
    Ok(())
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn lock_grammar_round_trips(text in lock_text(), who in enactor()) {
        check_lock(&text, &who)?;
    }

    #[test]
    fn lock_arbitrary_text(text in prop_oneof![".{0,120}", "[#0-9a-z=!&|() :*^]{0,60}"], who in enactor()) {
        check_lock(&text, &who)?;
    }

    #[test]
    fn glob_anything(pattern in "[a-zA-Z*?ÉéΣσς]{0,16}|\\PC{0,16}", text in "\\PC{0,24}") {
        let _ = lock::glob(&pattern, &text);
        prop_assert!(lock::glob(&text, &text));
        prop_assert!(lock::glob("*", &text));
        if !text.contains(['*', '?']) {
            let around = format!("*{text}*");
            prop_assert!(lock::glob(&around, &text));
        }
        let n = text.to_lowercase().chars().count();
        prop_assert!(lock::glob(&"?".repeat(n), &text));
        prop_assert!(!lock::glob(&"?".repeat(n + 1), &text));
    }
}

// ---------------------------------------------------------------------------------------
// Regressions: inputs that broke a parser once
// ---------------------------------------------------------------------------------------

/// Runs bytes through a codec with the server's default limits and every non-line event
/// through a negotiator, as a connection task does.
fn connection_replay(wire: &[u8]) -> (Vec<TelnetEvent>, Vec<TelnetFrame>) {
    let events = decode_chunks(&mut TelnetCodec::new(8192, 1024), &[wire]);
    let mut n = Negotiator::new();
    n.offers();
    let mut frames = Vec::new();
    for e in &events {
        if !matches!(e, TelnetEvent::Line { .. }) {
            frames.extend(n.handle(e).frames);
        }
    }
    (events, frames)
}

/// Fixed in 1326b7a: a TTABLE request with an empty charset list panicked the task.
#[test]
fn regression_charset_ttable_with_empty_list() {
    let mut wire = vec![IAC, SB, opt::CHARSET, 0x01];
    wire.extend_from_slice(b"[TTABLE]");
    wire.extend_from_slice(&[0x01, IAC, SE]);
    let (events, frames) = connection_replay(&wire);
    assert_eq!(
        events,
        vec![TelnetEvent::Subnegotiation(
            opt::CHARSET,
            Bytes::from_static(b"\x01[TTABLE]\x01")
        )]
    );
    assert!(frames.is_empty(), "{frames:?}");
    // Byte by byte, as a slow client sends it.
    let singles: Vec<&[u8]> = wire.chunks(1).collect();
    let mut codec = TelnetCodec::new(8192, 1024);
    assert_eq!(decode_chunks(&mut codec, &singles), events);
}

/// `@lock x=#4294967295` was stored as `home` (the Display of `Dbref::HOME`), which the
/// stored-lock parser cannot resolve, so the lock failed everyone, the owner included.
/// HOME's number names no object: such a key is refused when it is set.
#[test]
fn regression_lock_home_dbref_is_refused() {
    for text in ["#4294967295", "=#4294967295", "#1|#4294967295"] {
        let err = lock::parse(text, &resolve).expect_err("refused");
        assert!(err.contains("#4294967295"), "{err}");
    }
}

/// An attribute key whose name started with `flag^` in mixed case (`fLaG^x:y`) was taken
/// as an attribute but stored as `FLAG^X:y`, which reads back as an unknown flag. The
/// `flag^` prefix is now recognised in any case, as PennMUSH does: such a key names a flag.
#[test]
fn regression_lock_flag_prefix_in_any_case() {
    for text in ["fLaG^x:y", "flaG^\0:"] {
        let err = lock::parse(text, &resolve).expect_err("an unknown flag");
        assert!(err.contains("flag"), "{err}");
    }
    for text in ["flag^wizard", "FLAG^WIZARD", "fLaG^Wiz"] {
        let key = lock::parse(text, &resolve).expect("a flag");
        assert!(matches!(key, LockKey::Flag("WIZARD", _)), "{key:?}");
        assert_eq!(lock::parse(&key.to_string(), &stored), Ok(key));
    }
}

/// A flat chain `#1&#1&...` (100 terms, 299 bytes) parses, but its canonical text nests a
/// parenthesis per `&` (`((#1&#1)&#1)&...`) and is refused as "nested too deeply" when
/// read back; from about 66 terms on.
#[test]
fn regression_lock_long_chain_round_trips() {
    for op in ["&", "|"] {
        let text = vec!["#1"; 100].join(op);
        let key = lock::parse(&text, &resolve).expect("a flat chain parses");
        let canonical = key.to_string();
        assert_eq!(
            lock::parse(&canonical, &stored).as_ref(),
            Ok(&key),
            "{text:?} stored as {canonical:?}"
        );
    }
}

/// `glob` tries a literal match before a wildcard, so a `*` in the pattern that faces a
/// `*` in the text is used up as a literal: `glob("*", "*0")` and `glob("m*", "m*le")`
/// are false. A lock `ATTR:*` then fails for a value that starts with `*`.
#[test]
fn regression_glob_star_matches_a_literal_star() {
    // As the lock fuzz target found it (pattern "", subject "*\0" after the split).
    assert!(lock::glob("*", "*\0"));
    assert!(lock::glob("*", "*0"));
    assert!(lock::glob("m*", "m*le"));
    assert!(lock::glob("*x", "**x"));
    let key = lock::parse("sex:*", &resolve).expect("parses");
    let who = Who {
        dbref: Dbref(5),
        flags: Flags(0),
        attrs: vec![("SEX".into(), "*shrug*".into())],
        carried: vec![],
        kind: ObjectKind::Thing,
        name: "Widget".into(),
    };
    assert!(key.eval(&who));
}
