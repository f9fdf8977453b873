//! Telnet framing over `BytesMut`: lines in, text and negotiation out, no socket inside.
//!
//! The decoder is a byte-at-a-time state machine, so any split of the input into chunks
//! yields the same events. Every buffer it keeps is bounded: an over-long line is cut and
//! flagged, an over-long subnegotiation is discarded and reported.

use bytes::{BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::cmd::*;

/// What the client sent, one item at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TelnetEvent {
    /// A complete input line without its terminator; `truncated` when it was cut to the limit.
    Line {
        bytes: Bytes,
        truncated: bool,
    },
    Will(u8),
    Wont(u8),
    Do(u8),
    Dont(u8),
    /// `IAC SB <option> <payload> IAC SE`, with doubled IACs undone.
    Subnegotiation(u8, Bytes),
    /// A subnegotiation longer than the limit; its payload was discarded.
    SubnegotiationOverflow(u8),
    /// Any other two-byte command (NOP, AYT, GA, ...).
    Command(u8),
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TelnetFrame {
    /// Already charset-encoded text; IAC is doubled and bare LF becomes CR LF.
    Text(Bytes),
    Negotiate(u8, u8),
    Subnegotiate(u8, Bytes),
    /// A two-byte command such as NOP or EOR.
    Command(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Data,
    /// After a CR: a following LF or NUL belongs to the same line end.
    AfterCr,
    Iac,
    Negotiation(u8),
    SbOption,
    SbData,
    SbIac,
}

/// Decoder and encoder for one connection.
#[derive(Debug)]
pub struct TelnetCodec {
    state: State,
    line: BytesMut,
    line_truncated: bool,
    max_line: usize,
    sb_option: u8,
    sb_data: BytesMut,
    sb_overflow: bool,
    max_sb: usize,
}

impl TelnetCodec {
    pub fn new(max_line: usize, max_subnegotiation: usize) -> Self {
        Self {
            state: State::Data,
            line: BytesMut::new(),
            line_truncated: false,
            max_line,
            sb_option: 0,
            sb_data: BytesMut::new(),
            sb_overflow: false,
            max_sb: max_subnegotiation,
        }
    }

    /// Drops buffers that hold nothing, so an idle connection keeps no allocation.
    pub fn release_idle_buffers(&mut self) {
        if self.line.is_empty() && self.line.capacity() > 0 {
            self.line = BytesMut::new();
        }
        if self.sb_data.is_empty() && self.sb_data.capacity() > 0 {
            self.sb_data = BytesMut::new();
        }
    }

    /// Bytes of a partly typed line held right now.
    pub fn pending_line_len(&self) -> usize {
        self.line.len()
    }

    /// The partly typed line as wire bytes (IAC doubled again), so a new codec fed
    /// them first decodes the same line. Empty when the codec is inside a telnet
    /// command: that fragment is dropped.
    pub fn take_partial_line(&mut self) -> Vec<u8> {
        if self.state != State::Data || self.line_truncated {
            self.line.clear();
            return Vec::new();
        }
        let mut out = Vec::with_capacity(self.line.len());
        for &b in self.line.iter() {
            out.push(b);
            if b == IAC {
                out.push(IAC);
            }
        }
        self.line.clear();
        out
    }

    fn push_line_byte(&mut self, b: u8) {
        if self.line.len() < self.max_line {
            self.line.put_u8(b);
        } else {
            self.line_truncated = true;
        }
    }

    fn finish_line(&mut self) -> TelnetEvent {
        let bytes = self.line.split().freeze();
        let truncated = std::mem::take(&mut self.line_truncated);
        if self.line.capacity() > 4 * 1024 {
            // Do not keep a large buffer alive for an idle connection.
            self.line = BytesMut::new();
        }
        TelnetEvent::Line { bytes, truncated }
    }

    /// Feeds one byte; returns an event when it completes one.
    fn step(&mut self, b: u8) -> Option<TelnetEvent> {
        match self.state {
            State::Data | State::AfterCr => {
                let after_cr = self.state == State::AfterCr;
                self.state = State::Data;
                match b {
                    IAC => self.state = State::Iac,
                    b'\n' | 0 if after_cr => {}
                    b'\r' => {
                        self.state = State::AfterCr;
                        return Some(self.finish_line());
                    }
                    b'\n' => return Some(self.finish_line()),
                    0 => {}
                    _ => self.push_line_byte(b),
                }
                None
            }
            State::Iac => {
                self.state = State::Data;
                match b {
                    IAC => self.push_line_byte(IAC),
                    WILL | WONT | DO | DONT => self.state = State::Negotiation(b),
                    SB => self.state = State::SbOption,
                    other => return Some(TelnetEvent::Command(other)),
                }
                None
            }
            State::Negotiation(verb) => {
                self.state = State::Data;
                Some(match verb {
                    WILL => TelnetEvent::Will(b),
                    WONT => TelnetEvent::Wont(b),
                    DO => TelnetEvent::Do(b),
                    _ => TelnetEvent::Dont(b),
                })
            }
            State::SbOption => {
                self.sb_option = b;
                self.sb_data.clear();
                self.sb_overflow = false;
                self.state = State::SbData;
                None
            }
            State::SbData => {
                if b == IAC {
                    self.state = State::SbIac;
                } else {
                    self.push_sb_byte(b);
                }
                None
            }
            State::SbIac => match b {
                IAC => {
                    self.push_sb_byte(IAC);
                    self.state = State::SbData;
                    None
                }
                SE => {
                    self.state = State::Data;
                    let payload = self.sb_data.split().freeze();
                    if self.sb_data.capacity() > 4 * 1024 {
                        self.sb_data = BytesMut::new();
                    }
                    if std::mem::take(&mut self.sb_overflow) {
                        Some(TelnetEvent::SubnegotiationOverflow(self.sb_option))
                    } else {
                        Some(TelnetEvent::Subnegotiation(self.sb_option, payload))
                    }
                }
                other => {
                    // A command inside a subnegotiation: the client broke the framing.
                    // Drop the subnegotiation and treat the byte as the command it is.
                    self.sb_data.clear();
                    self.sb_overflow = false;
                    self.state = State::Iac;
                    self.step(other)
                }
            },
        }
    }

    fn push_sb_byte(&mut self, b: u8) {
        if self.sb_data.len() < self.max_sb {
            self.sb_data.put_u8(b);
        } else {
            self.sb_overflow = true;
        }
    }
}

impl Decoder for TelnetCodec {
    type Item = TelnetEvent;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<TelnetEvent>, Self::Error> {
        // Fast path: copy plain text up to the next special byte in one go.
        let mut consumed = 0;
        let mut event = None;
        while consumed < src.len() {
            if self.state == State::Data {
                let rest = &src[consumed..];
                let plain = rest
                    .iter()
                    .position(|&c| matches!(c, IAC | b'\r' | b'\n' | 0))
                    .unwrap_or(rest.len());
                if plain > 0 {
                    let room = self.max_line.saturating_sub(self.line.len());
                    let take = plain.min(room);
                    self.line.extend_from_slice(&rest[..take]);
                    if take < plain {
                        self.line_truncated = true;
                    }
                    consumed += plain;
                    continue;
                }
            }
            let b = src[consumed];
            consumed += 1;
            if let Some(e) = self.step(b) {
                event = Some(e);
                break;
            }
        }
        let _ = src.split_to(consumed);
        Ok(event)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<TelnetEvent>, Self::Error> {
        if let Some(e) = self.decode(src)? {
            return Ok(Some(e));
        }
        // A last line without a terminator still counts when the client closes.
        if !self.line.is_empty() && matches!(self.state, State::Data) {
            return Ok(Some(self.finish_line()));
        }
        Ok(None)
    }
}

/// Appends `data` with every IAC doubled; with `crlf`, a bare LF becomes CR LF.
fn put_escaped(dst: &mut BytesMut, data: &[u8], crlf: bool) {
    dst.reserve(data.len() + data.len() / 16 + 2);
    let mut prev = 0u8;
    let mut start = 0;
    for (i, &b) in data.iter().enumerate() {
        let needs = b == IAC || (crlf && b == b'\n' && prev != b'\r');
        if needs {
            dst.extend_from_slice(&data[start..i]);
            if b == IAC {
                dst.extend_from_slice(&[IAC, IAC]);
            } else {
                dst.extend_from_slice(b"\r\n");
            }
            start = i + 1;
        }
        prev = b;
    }
    dst.extend_from_slice(&data[start..]);
}

impl Encoder<TelnetFrame> for TelnetCodec {
    type Error = std::io::Error;

    fn encode(&mut self, item: TelnetFrame, dst: &mut BytesMut) -> Result<(), Self::Error> {
        encode_frame(&item, dst);
        Ok(())
    }
}

/// Encodes one frame; shared by the codec and the session's write path.
pub fn encode_frame(item: &TelnetFrame, dst: &mut BytesMut) {
    match item {
        TelnetFrame::Text(text) => put_escaped(dst, text, true),
        TelnetFrame::Negotiate(verb, opt) => dst.extend_from_slice(&[IAC, *verb, *opt]),
        TelnetFrame::Subnegotiate(opt, payload) => {
            dst.extend_from_slice(&[IAC, SB, *opt]);
            put_escaped(dst, payload, false);
            dst.extend_from_slice(&[IAC, SE]);
        }
        TelnetFrame::Command(c) => dst.extend_from_slice(&[IAC, *c]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telnet::opt;
    use proptest::prelude::*;

    fn decode_all(codec: &mut TelnetCodec, chunks: &[&[u8]]) -> Vec<TelnetEvent> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            while let Some(e) = codec.decode(&mut buf).expect("decode") {
                out.push(e);
            }
        }
        while let Some(e) = codec.decode_eof(&mut buf).expect("eof") {
            out.push(e);
        }
        out
    }

    fn line(s: &str) -> TelnetEvent {
        TelnetEvent::Line {
            bytes: Bytes::copy_from_slice(s.as_bytes()),
            truncated: false,
        }
    }

    #[test]
    fn line_endings() {
        let mut c = TelnetCodec::new(100, 100);
        let ev = decode_all(&mut c, &[b"a\r\nb\r\0c\nd\re\n"]);
        assert_eq!(
            ev,
            vec![line("a"), line("b"), line("c"), line("d"), line("e")]
        );
    }

    #[test]
    fn empty_lines_are_kept() {
        let mut c = TelnetCodec::new(100, 100);
        let ev = decode_all(&mut c, &[b"\r\n\r\nx\r\n"]);
        assert_eq!(ev, vec![line(""), line(""), line("x")]);
    }

    #[test]
    fn iac_doubling_in_data() {
        let mut c = TelnetCodec::new(100, 100);
        let ev = decode_all(&mut c, &[&[b'a', IAC, IAC, b'b', b'\n']]);
        assert_eq!(
            ev,
            vec![TelnetEvent::Line {
                bytes: Bytes::from_static(&[b'a', 255, b'b']),
                truncated: false
            }]
        );
    }

    #[test]
    fn naws_with_doubled_iac() {
        let mut c = TelnetCodec::new(100, 100);
        let ev = decode_all(
            &mut c,
            &[&[IAC, SB, opt::NAWS, 0, IAC, IAC, 0, 24, IAC, SE, b'x', b'\n']],
        );
        assert_eq!(
            ev,
            vec![
                TelnetEvent::Subnegotiation(opt::NAWS, Bytes::from_static(&[0, 255, 0, 24])),
                line("x")
            ]
        );
    }

    #[test]
    fn negotiation_between_text() {
        let mut c = TelnetCodec::new(100, 100);
        let ev = decode_all(&mut c, &[&[b'h', IAC, WILL, opt::TTYPE, b'i', b'\n']]);
        assert_eq!(ev, vec![TelnetEvent::Will(opt::TTYPE), line("hi")]);
    }

    #[test]
    fn long_line_is_cut_and_flagged() {
        let mut c = TelnetCodec::new(10, 100);
        let mut input = vec![b'x'; 50];
        input.extend_from_slice(b"\r\nok\r\n");
        let ev = decode_all(&mut c, &[&input]);
        assert_eq!(
            ev,
            vec![
                TelnetEvent::Line {
                    bytes: Bytes::from(vec![b'x'; 10]),
                    truncated: true
                },
                line("ok")
            ]
        );
    }

    #[test]
    fn endless_subnegotiation_stays_bounded() {
        let mut c = TelnetCodec::new(100, 64);
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&[IAC, SB, opt::TTYPE]);
        for _ in 0..1000 {
            buf.extend_from_slice(&[b'z'; 1000]);
            assert!(c.decode(&mut buf).expect("decode").is_none());
            assert!(c.sb_data.len() <= 64);
        }
        buf.extend_from_slice(&[IAC, SE, b'a', b'\n']);
        assert_eq!(
            c.decode(&mut buf).expect("decode"),
            Some(TelnetEvent::SubnegotiationOverflow(opt::TTYPE))
        );
        assert_eq!(c.decode(&mut buf).expect("decode"), Some(line("a")));
    }

    #[test]
    fn broken_subnegotiation_recovers() {
        let mut c = TelnetCodec::new(100, 64);
        let ev = decode_all(
            &mut c,
            &[&[
                IAC,
                SB,
                opt::TTYPE,
                0,
                b'x',
                IAC,
                WILL,
                opt::NAWS,
                b'k',
                b'\n',
            ]],
        );
        assert_eq!(ev, vec![TelnetEvent::Will(opt::NAWS), line("k")]);
    }

    #[test]
    fn partial_line_carries_over() {
        let mut c = TelnetCodec::new(100, 100);
        let mut buf = BytesMut::from(&[b's', b'a', IAC, IAC, b'y'][..]);
        assert!(c.decode(&mut buf).expect("decode").is_none());
        let mut carried = BytesMut::from(&c.take_partial_line()[..]);
        carried.extend_from_slice(b" hi\r\n");
        let mut fresh = TelnetCodec::new(100, 100);
        assert_eq!(
            fresh.decode(&mut carried).expect("decode"),
            Some(TelnetEvent::Line {
                bytes: Bytes::from_static(&[b's', b'a', IAC, b'y', b' ', b'h', b'i']),
                truncated: false
            })
        );
    }

    #[test]
    fn encoder_escapes() {
        let mut c = TelnetCodec::new(10, 10);
        let mut out = BytesMut::new();
        c.encode(
            TelnetFrame::Text(Bytes::from_static(&[b'a', 255, b'\n', b'b', b'\r', b'\n'])),
            &mut out,
        )
        .expect("encode");
        assert_eq!(
            &out[..],
            &[b'a', 255, 255, b'\r', b'\n', b'b', b'\r', b'\n']
        );
        out.clear();
        c.encode(
            TelnetFrame::Subnegotiate(opt::NAWS, Bytes::from_static(&[255, 1])),
            &mut out,
        )
        .expect("encode");
        assert_eq!(&out[..], &[IAC, SB, opt::NAWS, 255, 255, 1, IAC, SE]);
    }

    /// Bytes that exercise every state: text, line ends, IAC sequences and subnegotiations.
    fn stream_byte() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => proptest::collection::vec(b'a'..=b'z', 1..20),
            1 => Just(b"\r\n".to_vec()),
            1 => Just(b"\r\0".to_vec()),
            1 => Just(b"\n".to_vec()),
            1 => Just(b"\r".to_vec()),
            1 => Just(vec![IAC, IAC]),
            1 => Just(vec![IAC, WILL, opt::NAWS]),
            1 => Just(vec![IAC, DO, opt::MSSP]),
            1 => Just(vec![IAC, NOP]),
            1 => Just(vec![IAC, SB, opt::NAWS, 0, 80, 0, 24, IAC, SE]),
            1 => Just(vec![IAC, SB, opt::TTYPE, 0, b'X', b'T', IAC, IAC, IAC, SE]),
            1 => proptest::collection::vec(any::<u8>(), 1..30),
        ]
    }

    proptest! {
        #[test]
        fn any_split_decodes_the_same(
            parts in proptest::collection::vec(stream_byte(), 0..40),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            let stream: Vec<u8> = parts.concat();
            let whole = decode_all(&mut TelnetCodec::new(32, 16), &[&stream]);
            let mut points: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
            points.sort_unstable();
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut last = 0;
            for p in points {
                chunks.push(&stream[last..p]);
                last = p;
            }
            chunks.push(&stream[last..]);
            let split = decode_all(&mut TelnetCodec::new(32, 16), &chunks);
            prop_assert_eq!(whole, split);
        }

        #[test]
        fn bytes_one_at_a_time_decode_the_same(stream in proptest::collection::vec(any::<u8>(), 0..400)) {
            let whole = decode_all(&mut TelnetCodec::new(32, 16), &[&stream]);
            let singles: Vec<&[u8]> = stream.chunks(1).collect();
            let split = decode_all(&mut TelnetCodec::new(32, 16), &singles);
            prop_assert_eq!(whole, split);
        }

        #[test]
        fn text_round_trips_through_encoder(text in proptest::collection::vec(any::<u8>(), 0..200)) {
            // Whatever the server sends as text arrives as the same lines.
            let clean: Vec<u8> = text.into_iter().filter(|b| !matches!(b, b'\r' | b'\n' | 0)).collect();
            let mut framed = clean.clone();
            framed.push(b'\n');
            let mut out = BytesMut::new();
            encode_frame(&TelnetFrame::Text(Bytes::from(framed)), &mut out);
            let ev = decode_all(&mut TelnetCodec::new(1024, 16), &[&out]);
            prop_assert_eq!(ev, vec![TelnetEvent::Line { bytes: Bytes::from(clean), truncated: false }]);
        }
    }
}
