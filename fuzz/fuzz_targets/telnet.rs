//! A client's bytes, cut into arbitrary chunks, through the telnet codec; every
//! non-line event through the negotiator, with a snapshot/restore (hot reboot) in the
//! middle; every line through both charsets and the login parser, as a connection does.
//!
//! Input layout: byte 0 picks the line limit, byte 1 the subnegotiation limit, bytes 2..4
//! seed the chunking and the restore point; the rest is the wire.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use mushd::session::login;
use mushd::telnet::cmd::{DO, DONT, WILL, WONT};
use mushd::telnet::codec::encode_frame;
use mushd::telnet::mud::{Charset, Negotiator, Outcome};
use mushd::telnet::{opt, TelnetCodec, TelnetEvent, TelnetFrame};
use tokio_util::codec::Decoder;

/// A small xorshift: the chunking only needs to vary with the input, not be random.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

fn decode(codec: &mut TelnetCodec, chunks: &[&[u8]]) -> Vec<TelnetEvent> {
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

/// Every frame is a proper negotiation about an option we know, and it encodes to bytes
/// that decode back to exactly that frame.
fn check_outcome(o: &Outcome) {
    assert!(o.frames.len() <= 2, "{:?}", o.frames);
    for frame in &o.frames {
        let expected = match frame {
            TelnetFrame::Negotiate(WILL, x) => TelnetEvent::Will(*x),
            TelnetFrame::Negotiate(WONT, x) => TelnetEvent::Wont(*x),
            TelnetFrame::Negotiate(DO, x) => TelnetEvent::Do(*x),
            TelnetFrame::Negotiate(DONT, x) => TelnetEvent::Dont(*x),
            TelnetFrame::Subnegotiate(x, p) => {
                assert!(matches!(*x, opt::TTYPE | opt::CHARSET), "{frame:?}");
                assert!(!p.is_empty(), "{frame:?}");
                TelnetEvent::Subnegotiation(*x, p.clone())
            }
            other => panic!("unexpected frame {other:?}"),
        };
        let mut wire = BytesMut::new();
        encode_frame(frame, &mut wire);
        assert_eq!(
            decode(&mut TelnetCodec::new(64, 1 << 16), &[&wire]),
            vec![expected]
        );
    }
}

fn negotiate(n: &mut Negotiator, events: &[TelnetEvent]) -> Vec<(Vec<TelnetFrame>, bool, bool)> {
    let mut out = Vec::new();
    for e in events {
        if matches!(e, TelnetEvent::Line { .. }) {
            continue;
        }
        let o = n.handle(e);
        check_outcome(&o);
        for name in [&n.info.client, &n.info.terminal].into_iter().flatten() {
            assert!(name.chars().count() <= 64 && !name.chars().any(char::is_control));
        }
        assert!(n.info.width != Some(0) && n.info.height != Some(0));
        let _ = n.info.ttype_summary();
        out.push((o.frames, o.send_mssp, o.terminal_changed));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let max_line = 1 + data[0] as usize;
    let max_sb = 1 + data[1] as usize;
    let seed = u16::from_le_bytes([data[2], data[3]]) as u32;
    let wire = &data[4..];

    let whole = decode(&mut TelnetCodec::new(max_line, max_sb), &[wire]);

    let mut rng = Rng(seed | 1 << 16);
    let mut chunks = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        let n = (rng.next() as usize % 9).min(rest.len());
        let (a, b) = rest.split_at(n);
        chunks.push(a);
        rest = b;
    }
    let events = decode(&mut TelnetCodec::new(max_line, max_sb), &chunks);
    assert_eq!(whole, events, "chunking changed the events");

    for e in &events {
        match e {
            TelnetEvent::Line { bytes, .. } => {
                assert!(bytes.len() <= max_line);
                assert!(!bytes.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)));
                for cs in [Charset::Utf8, Charset::Latin1] {
                    let text = cs.decode(bytes);
                    let _ = login::parse(&text);
                    let _ = cs.encode(&text);
                }
                let latin = Charset::Latin1.decode(bytes);
                assert_eq!(&Charset::Latin1.encode(&latin)[..], &bytes[..]);
            }
            TelnetEvent::Subnegotiation(_, p) => assert!(p.len() <= max_sb),
            _ => {}
        }
    }

    let mut n = Negotiator::new();
    let _ = n.offers();
    let at = rng.next() as usize % (events.len() + 1);
    negotiate(&mut n, &events[..at]);
    let mut restored = Negotiator::restore(&n.snapshot());
    assert_eq!(restored.info, n.info);
    let a = negotiate(&mut n, &events[at..]);
    let b = negotiate(&mut restored, &events[at..]);
    assert_eq!(a, b, "a restored negotiator answered differently");
    assert_eq!(restored.info, n.info);
    assert_eq!(restored.eor_enabled(), n.eor_enabled());
});
