//! The MUD options on top of negotiation: NAWS, TTYPE/MTTS, CHARSET, MSSP, SGA, EOR.
//!
//! `Negotiator` is pure: it takes decoded events and returns frames to send, so it is
//! tested without a socket. It never waits for answers; input flows meanwhile.

use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use super::codec::{TelnetEvent, TelnetFrame};
use super::opt;
use super::options::{Change, OptionTable, Side};

/// How text is encoded on the wire for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Charset {
    /// Byte-transparent; the default until the client agrees to UTF-8.
    #[default]
    Latin1,
    Utf8,
}

impl Charset {
    pub fn name(self) -> &'static str {
        match self {
            Charset::Latin1 => "ISO-8859-1",
            Charset::Utf8 => "UTF-8",
        }
    }

    pub fn from_name(name: &str) -> Option<Charset> {
        match name.trim().to_ascii_uppercase().as_str() {
            "UTF-8" | "UTF8" => Some(Charset::Utf8),
            "ISO-8859-1" | "ISO8859-1" | "LATIN1" | "LATIN-1" | "US-ASCII" | "ASCII" => {
                Some(Charset::Latin1)
            }
            _ => None,
        }
    }

    /// Decodes client input; invalid UTF-8 becomes U+FFFD rather than an error.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Charset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Charset::Latin1 => bytes.iter().map(|&b| b as char).collect(),
        }
    }

    /// Encodes output; characters Latin-1 cannot hold become '?'.
    pub fn encode(self, text: &str) -> Bytes {
        match self {
            Charset::Utf8 => Bytes::copy_from_slice(text.as_bytes()),
            Charset::Latin1 => {
                if text.is_ascii() {
                    return Bytes::copy_from_slice(text.as_bytes());
                }
                text.chars()
                    .map(|c| {
                        if (c as u32) < 256 {
                            c as u32 as u8
                        } else {
                            b'?'
                        }
                    })
                    .collect::<Vec<u8>>()
                    .into()
            }
        }
    }
}

/// What negotiation has told us about the client's terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalInfo {
    /// First TTYPE answer: the client's name (e.g. "TINTIN++", "MUDLET").
    pub client: Option<String>,
    /// Second TTYPE answer when it differs: the terminal emulation (e.g. "xterm").
    pub terminal: Option<String>,
    /// MTTS capability bits from a "MTTS <n>" answer.
    pub mtts: Option<u32>,
    pub width: Option<u16>,
    pub height: Option<u16>,
    pub charset: Charset,
    /// True once CHARSET settled the charset (MTTS may only upgrade an unsettled one).
    pub charset_negotiated: bool,
    /// The client asked for GMCP (`IAC DO GMCP`).
    #[serde(default)]
    pub gmcp: bool,
}

impl TerminalInfo {
    /// One-line description for SESSION.
    pub fn ttype_summary(&self) -> String {
        let mut s = self.client.clone().unwrap_or_else(|| "unknown".into());
        match (&self.terminal, self.mtts) {
            (Some(t), Some(m)) => s.push_str(&format!(" ({t}, MTTS {m})")),
            (Some(t), None) => s.push_str(&format!(" ({t})")),
            (None, Some(m)) => s.push_str(&format!(" (MTTS {m})")),
            (None, None) => {}
        }
        s
    }
}

const TTYPE_IS: u8 = 0;
const TTYPE_SEND: u8 = 1;
const CHARSET_REQUEST: u8 = 1;
const CHARSET_ACCEPTED: u8 = 2;
const CHARSET_REJECTED: u8 = 3;
const MSSP_VAR: u8 = 1;
const MSSP_VAL: u8 = 2;
/// TTYPE answers kept per connection: name, terminal, MTTS, and one to spot the repeat.
const MAX_TTYPE_ANSWERS: usize = 4;
const MAX_TTYPE_LEN: usize = 64;
/// MTTS bit for UTF-8.
const MTTS_UTF8: u32 = 4;

fn allow_us(o: u8) -> bool {
    matches!(
        o,
        opt::SGA | opt::EOR | opt::MSSP | opt::CHARSET | opt::GMCP
    )
}

fn allow_him(o: u8) -> bool {
    matches!(o, opt::NAWS | opt::TTYPE | opt::CHARSET)
}

/// What handling one event produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub frames: Vec<TelnetFrame>,
    /// The client asked for MSSP data: the caller sends `mssp_frame(...)`.
    pub send_mssp: bool,
    /// Terminal info changed (size, type or charset): the caller records it.
    pub terminal_changed: bool,
}

/// Negotiation state carried across a hot reboot, so nothing is negotiated again.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NegotiatorState {
    pub us: Vec<u8>,
    pub him: Vec<u8>,
    pub ttype_answers: Vec<String>,
    pub ttype_done: bool,
    pub info: TerminalInfo,
}

/// Per-connection negotiation state.
#[derive(Debug, Clone)]
pub struct Negotiator {
    options: OptionTable,
    ttype_answers: Vec<String>,
    ttype_done: bool,
    pub info: TerminalInfo,
}

impl Default for Negotiator {
    fn default() -> Self {
        Self::new()
    }
}

impl Negotiator {
    pub fn new() -> Self {
        Self {
            options: OptionTable::new(allow_us, allow_him),
            ttype_answers: Vec::new(),
            ttype_done: false,
            info: TerminalInfo::default(),
        }
    }

    pub fn snapshot(&self) -> NegotiatorState {
        let (us, him) = self.options.snapshot();
        NegotiatorState {
            us,
            him,
            ttype_answers: self.ttype_answers.clone(),
            ttype_done: self.ttype_done,
            info: self.info.clone(),
        }
    }

    pub fn restore(state: &NegotiatorState) -> Negotiator {
        let mut n = Negotiator::new();
        n.options.restore(&state.us, &state.him);
        n.ttype_answers = state.ttype_answers.clone();
        n.ttype_done = state.ttype_done;
        n.info = state.info.clone();
        n
    }

    /// The offers sent when a client connects.
    pub fn offers(&mut self) -> Vec<TelnetFrame> {
        let mut out = Vec::new();
        out.extend(self.options.request(Side::Him, opt::NAWS));
        out.extend(self.options.request(Side::Him, opt::TTYPE));
        out.extend(self.options.request(Side::Us, opt::CHARSET));
        out.extend(self.options.request(Side::Us, opt::SGA));
        out.extend(self.options.request(Side::Us, opt::EOR));
        out.extend(self.options.request(Side::Us, opt::MSSP));
        out
    }

    /// Whether the client agreed to receive IAC EOR after prompts.
    pub fn eor_enabled(&self) -> bool {
        self.options.is_enabled(Side::Us, opt::EOR)
    }

    /// Handles any non-line event.
    pub fn handle(&mut self, event: &TelnetEvent) -> Outcome {
        let mut out = Outcome::default();
        let (verb, option) = match event {
            TelnetEvent::Will(o) => (super::cmd::WILL, *o),
            TelnetEvent::Wont(o) => (super::cmd::WONT, *o),
            TelnetEvent::Do(o) => (super::cmd::DO, *o),
            TelnetEvent::Dont(o) => (super::cmd::DONT, *o),
            TelnetEvent::Subnegotiation(o, payload) => {
                self.subnegotiation(*o, payload, &mut out);
                return out;
            }
            _ => return out,
        };
        let (reply, change) = self.options.receive(verb, option);
        out.frames.extend(reply);
        match change {
            Some(Change::Enabled(Side::Him, opt::TTYPE)) => {
                out.frames.push(ttype_send());
            }
            Some(Change::Enabled(Side::Us, opt::CHARSET)) => {
                out.frames.push(charset_request());
            }
            Some(Change::Enabled(Side::Us, opt::MSSP)) => out.send_mssp = true,
            Some(Change::Enabled(Side::Us, opt::GMCP)) => {
                self.info.gmcp = true;
                out.terminal_changed = true;
            }
            Some(Change::Disabled(Side::Us, opt::GMCP)) => {
                self.info.gmcp = false;
                out.terminal_changed = true;
            }
            Some(Change::Disabled(Side::Us, opt::CHARSET)) if !self.info.charset_negotiated => {
                // The client will not negotiate a charset: Latin-1 both ways.
                self.info.charset = Charset::Latin1;
                self.info.charset_negotiated = true;
                out.terminal_changed = true;
            }
            _ => {}
        }
        out
    }

    fn subnegotiation(&mut self, option: u8, payload: &[u8], out: &mut Outcome) {
        match option {
            opt::NAWS => {
                let &[w_hi, w_lo, h_hi, h_lo] = payload else {
                    return;
                };
                let w = u16::from_be_bytes([w_hi, w_lo]);
                let h = u16::from_be_bytes([h_hi, h_lo]);
                self.info.width = (w > 0).then_some(w);
                self.info.height = (h > 0).then_some(h);
                out.terminal_changed = true;
            }
            opt::TTYPE if payload.first() == Some(&TTYPE_IS) && !self.ttype_done => {
                let name: String = String::from_utf8_lossy(payload.get(1..).unwrap_or_default())
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_TTYPE_LEN)
                    .collect();
                self.ttype_answer(name, out);
            }
            opt::CHARSET => self.charset_message(payload, out),
            _ => {}
        }
    }

    fn ttype_answer(&mut self, name: String, out: &mut Outcome) {
        let repeated = self.ttype_answers.last() == Some(&name);
        if let Some(bits) = name.strip_prefix("MTTS ") {
            if let Ok(bits) = bits.trim().parse::<u32>() {
                self.info.mtts = Some(bits);
                if bits & MTTS_UTF8 != 0 && !self.info.charset_negotiated {
                    self.info.charset = Charset::Utf8;
                }
            }
        } else if self.ttype_answers.is_empty() {
            self.info.client = Some(name.clone());
        } else if !repeated && self.info.terminal.is_none() {
            self.info.terminal = Some(name.clone());
        }
        out.terminal_changed = true;
        self.ttype_answers.push(name);
        if repeated || self.ttype_answers.len() >= MAX_TTYPE_ANSWERS {
            self.ttype_done = true;
        } else {
            out.frames.push(ttype_send());
        }
    }

    fn charset_message(&mut self, payload: &[u8], out: &mut Outcome) {
        match payload.first() {
            Some(&CHARSET_ACCEPTED) => {
                let name = String::from_utf8_lossy(payload.get(1..).unwrap_or_default());
                self.info.charset = Charset::from_name(&name).unwrap_or(Charset::Latin1);
                self.info.charset_negotiated = true;
                out.terminal_changed = true;
            }
            Some(&CHARSET_REJECTED) => {
                self.info.charset = Charset::Latin1;
                self.info.charset_negotiated = true;
                out.terminal_changed = true;
            }
            Some(&CHARSET_REQUEST) => {
                // The client offers a list "<sep>name<sep>name...": take UTF-8 if offered.
                // A TTABLE request may carry an empty list: nothing to pick from, ignore it.
                let body = payload.get(1..).unwrap_or_default();
                let body = body.strip_prefix(b"[TTABLE]\x01").unwrap_or(body);
                let Some((&sep, list)) = body.split_first().filter(|(_, l)| !l.is_empty()) else {
                    return;
                };
                let offered: Vec<&[u8]> = list.split(|&b| b == sep).collect();
                let pick = offered
                    .iter()
                    .find(|n| {
                        Charset::from_name(&String::from_utf8_lossy(n)) == Some(Charset::Utf8)
                    })
                    .or_else(|| {
                        offered
                            .iter()
                            .find(|n| Charset::from_name(&String::from_utf8_lossy(n)).is_some())
                    });
                let mut reply = BytesMut::new();
                match pick {
                    Some(name) => {
                        reply.put_u8(CHARSET_ACCEPTED);
                        reply.extend_from_slice(name);
                        self.info.charset = Charset::from_name(&String::from_utf8_lossy(name))
                            .unwrap_or(Charset::Latin1);
                    }
                    None => {
                        reply.put_u8(CHARSET_REJECTED);
                        self.info.charset = Charset::Latin1;
                    }
                }
                self.info.charset_negotiated = true;
                out.terminal_changed = true;
                out.frames
                    .push(TelnetFrame::Subnegotiate(opt::CHARSET, reply.freeze()));
            }
            _ => {}
        }
    }
}

fn ttype_send() -> TelnetFrame {
    TelnetFrame::Subnegotiate(opt::TTYPE, Bytes::from_static(&[TTYPE_SEND]))
}

fn charset_request() -> TelnetFrame {
    let mut p = BytesMut::new();
    p.put_u8(CHARSET_REQUEST);
    p.extend_from_slice(b";UTF-8;ISO-8859-1;US-ASCII");
    TelnetFrame::Subnegotiate(opt::CHARSET, p.freeze())
}

/// The MSSP subnegotiation for the given variables.
pub fn mssp_frame(vars: &[(String, String)]) -> TelnetFrame {
    let mut p = BytesMut::new();
    for (k, v) in vars {
        p.put_u8(MSSP_VAR);
        p.extend_from_slice(k.as_bytes());
        p.put_u8(MSSP_VAL);
        p.extend_from_slice(v.as_bytes());
    }
    TelnetFrame::Subnegotiate(opt::MSSP, p.freeze())
}

/// The plain-text MSSP reply for crawlers that speak no telnet.
pub fn mssp_plain(vars: &[(String, String)]) -> String {
    let mut s = String::from("\r\nMSSP-REPLY-START\r\n");
    for (k, v) in vars {
        s.push_str(k);
        s.push('\t');
        s.push_str(v);
        s.push_str("\r\n");
    }
    s.push_str("MSSP-REPLY-END\r\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telnet::cmd::*;

    fn sb(o: u8, p: &[u8]) -> TelnetEvent {
        TelnetEvent::Subnegotiation(o, Bytes::copy_from_slice(p))
    }

    #[test]
    fn tintin_ttype_cycle() {
        let mut n = Negotiator::new();
        n.offers();
        let o = n.handle(&TelnetEvent::Will(opt::TTYPE));
        assert_eq!(o.frames, vec![ttype_send()]);
        let o = n.handle(&sb(opt::TTYPE, b"\0TINTIN++"));
        assert_eq!(o.frames, vec![ttype_send()]);
        let o = n.handle(&sb(opt::TTYPE, b"\0xterm"));
        assert_eq!(o.frames, vec![ttype_send()]);
        let o = n.handle(&sb(opt::TTYPE, b"\0MTTS 271"));
        assert_eq!(o.frames, vec![ttype_send()]);
        let o = n.handle(&sb(opt::TTYPE, b"\0MTTS 271"));
        assert!(o.frames.is_empty());
        assert_eq!(n.info.client.as_deref(), Some("TINTIN++"));
        assert_eq!(n.info.terminal.as_deref(), Some("xterm"));
        assert_eq!(n.info.mtts, Some(271));
        assert_eq!(n.info.charset, Charset::Utf8);
        // Further answers are ignored: the cycle has ended.
        assert!(n.handle(&sb(opt::TTYPE, b"\0other")).frames.is_empty());
    }

    #[test]
    fn inetutils_repeats_and_stops() {
        let mut n = Negotiator::new();
        n.offers();
        n.handle(&TelnetEvent::Will(opt::TTYPE));
        assert_eq!(n.handle(&sb(opt::TTYPE, b"\0XTERM")).frames.len(), 1);
        assert!(n.handle(&sb(opt::TTYPE, b"\0XTERM")).frames.is_empty());
        assert_eq!(n.info.ttype_summary(), "XTERM");
    }

    #[test]
    fn snapshot_restores_everything() {
        let mut n = Negotiator::new();
        n.offers();
        n.handle(&TelnetEvent::Will(opt::NAWS));
        n.handle(&sb(opt::NAWS, &[0, 90, 0, 30]));
        n.handle(&TelnetEvent::Will(opt::TTYPE));
        n.handle(&sb(opt::TTYPE, b"\0MUDLET"));
        let r = Negotiator::restore(&n.snapshot());
        assert_eq!(r.info, n.info);
        assert_eq!(r.ttype_answers, n.ttype_answers);
        // Already enabled: a repeated WILL is not answered after the restore either.
        let mut r = r;
        assert!(r.handle(&TelnetEvent::Will(opt::NAWS)).frames.is_empty());
    }

    #[test]
    fn naws_sets_size() {
        let mut n = Negotiator::new();
        let o = n.handle(&sb(opt::NAWS, &[0, 132, 0, 50]));
        assert!(o.terminal_changed);
        assert_eq!((n.info.width, n.info.height), (Some(132), Some(50)));
        // A malformed NAWS changes nothing.
        n.handle(&sb(opt::NAWS, &[1, 2, 3]));
        assert_eq!((n.info.width, n.info.height), (Some(132), Some(50)));
    }

    #[test]
    fn charset_accept_and_reject() {
        let mut n = Negotiator::new();
        n.offers();
        let o = n.handle(&TelnetEvent::Do(opt::CHARSET));
        assert_eq!(o.frames, vec![charset_request()]);
        n.handle(&sb(opt::CHARSET, b"\x02UTF-8"));
        assert_eq!(n.info.charset, Charset::Utf8);

        let mut n = Negotiator::new();
        n.offers();
        n.handle(&TelnetEvent::Do(opt::CHARSET));
        n.handle(&sb(opt::CHARSET, b"\x03"));
        assert_eq!(n.info.charset, Charset::Latin1);

        let mut n = Negotiator::new();
        n.offers();
        n.handle(&TelnetEvent::Dont(opt::CHARSET));
        assert_eq!(n.info.charset, Charset::Latin1);
        // A later MTTS cannot override a refused charset.
        n.handle(&TelnetEvent::Will(opt::TTYPE));
        n.handle(&sb(opt::TTYPE, b"\0MTTS 4"));
        assert_eq!(n.info.charset, Charset::Latin1);
    }

    #[test]
    fn client_charset_request_is_answered() {
        let mut n = Negotiator::new();
        let o = n.handle(&sb(opt::CHARSET, b"\x01;ISO-8859-1;UTF-8"));
        assert_eq!(
            o.frames,
            vec![TelnetFrame::Subnegotiate(
                opt::CHARSET,
                Bytes::from_static(b"\x02UTF-8")
            )]
        );
        assert_eq!(n.info.charset, Charset::Utf8);
    }

    #[test]
    fn empty_or_short_charset_requests_are_ignored() {
        for payload in [
            &b"\x01"[..],
            b"\x01;",
            b"\x01[TTABLE]\x01",
            b"\x01[TTABLE]\x01;",
            b"\x02",
            b"\x00",
        ] {
            let mut n = Negotiator::new();
            let o = n.handle(&sb(opt::CHARSET, payload));
            assert!(o.frames.is_empty(), "{payload:?}");
        }
        let mut n = Negotiator::new();
        let o = n.handle(&sb(opt::CHARSET, b"\x01[TTABLE]\x01;UTF-8"));
        assert_eq!(o.frames.len(), 1);
        assert_eq!(n.info.charset, Charset::Utf8);
    }

    #[test]
    fn do_mssp_asks_for_data_and_unknown_options_are_refused() {
        let mut n = Negotiator::new();
        n.offers();
        assert!(n.handle(&TelnetEvent::Do(opt::MSSP)).send_mssp);
        let o = n.handle(&TelnetEvent::Do(opt::ECHO));
        assert_eq!(o.frames, vec![TelnetFrame::Negotiate(WONT, opt::ECHO)]);
        let o = n.handle(&TelnetEvent::Will(opt::NEW_ENVIRON));
        assert_eq!(
            o.frames,
            vec![TelnetFrame::Negotiate(DONT, opt::NEW_ENVIRON)]
        );
    }

    #[test]
    fn gmcp_is_not_offered_but_agreed_to() {
        let mut n = Negotiator::new();
        let offers = n.offers();
        assert!(!offers.contains(&TelnetFrame::Negotiate(WILL, opt::GMCP)));
        let o = n.handle(&TelnetEvent::Do(opt::GMCP));
        assert_eq!(o.frames, vec![TelnetFrame::Negotiate(WILL, opt::GMCP)]);
        assert!(o.terminal_changed && n.info.gmcp);
        let o = n.handle(&TelnetEvent::Dont(opt::GMCP));
        assert!(o.terminal_changed && !n.info.gmcp);
    }

    #[test]
    fn charsets_encode_and_decode() {
        assert_eq!(Charset::Latin1.decode(&[0x63, 0xe9]), "cé");
        assert_eq!(&Charset::Latin1.encode("cé€")[..], &[0x63, 0xe9, b'?']);
        assert_eq!(Charset::Utf8.decode(&[0x61, 0xff, 0x62]), "a\u{fffd}b");
        assert_eq!(&Charset::Utf8.encode("é")[..], "é".as_bytes());
    }

    #[test]
    fn mssp_encodings() {
        let vars = vec![("NAME".to_string(), "x".to_string())];
        assert_eq!(
            mssp_frame(&vars),
            TelnetFrame::Subnegotiate(opt::MSSP, Bytes::from_static(b"\x01NAME\x02x"))
        );
        assert!(mssp_plain(&vars).contains("MSSP-REPLY-START\r\nNAME\tx\r\nMSSP-REPLY-END"));
    }
}
