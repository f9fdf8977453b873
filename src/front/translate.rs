//! WebSocket frames ↔ the telnet byte stream mushd speaks. Pure functions over bytes: no
//! sockets here, so every rule of the front contract is testable on its own.

/// Telnet bytes used here (RFC 854).
const IAC: u8 = 255;
const SB: u8 = 250;
const SE: u8 = 240;
const WILL: u8 = 251;
const DONT: u8 = 254;
const NAWS: u8 = 31;
const GMCP: u8 = 201;

/// The longest line (or out-of-band payload) kept before it is cut into its own frame.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// A text frame from the browser: one line of input, with `\r\n` as telnet ends lines.
/// UTF-8 never contains the byte 255, so nothing needs doubling.
pub fn text_to_telnet(text: &str) -> Vec<u8> {
    let mut out: Vec<u8> = text.bytes().filter(|&b| b != b'\r' && b != b'\n').collect();
    out.extend_from_slice(b"\r\n");
    out
}

/// A binary frame from the browser: `NAWS <cols> <rows>` becomes a telnet window-size
/// report; anything else travels as GMCP (option 201).
pub fn binary_to_telnet(payload: &[u8]) -> Vec<u8> {
    if let Some((cols, rows)) = parse_naws(payload) {
        let [c_hi, c_lo] = cols.to_be_bytes();
        let [r_hi, r_lo] = rows.to_be_bytes();
        return subnegotiation(NAWS, &[c_hi, c_lo, r_hi, r_lo]);
    }
    subnegotiation(GMCP, payload)
}

/// `NAWS 80 24` → (80, 24); anything else → None.
fn parse_naws(payload: &[u8]) -> Option<(u16, u16)> {
    let text = std::str::from_utf8(payload).ok()?;
    let mut words = text.split_ascii_whitespace();
    if words.next()? != "NAWS" {
        return None;
    }
    let cols = words.next()?.parse().ok()?;
    let rows = words.next()?.parse().ok()?;
    words.next().is_none().then_some((cols, rows))
}

/// `IAC SB <option> <data, 255 doubled> IAC SE`.
fn subnegotiation(option: u8, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 6);
    out.extend_from_slice(&[IAC, SB, option]);
    for &b in data {
        out.push(b);
        if b == IAC {
            out.push(IAC);
        }
    }
    out.extend_from_slice(&[IAC, SE]);
    out
}

/// One WebSocket frame for the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsOut {
    /// A line of text, without its line end.
    Text(String),
    /// A GMCP payload (mushd's out-of-band messages, such as `mushd.resume <token>`).
    Binary(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Data,
    /// After IAC.
    Iac,
    /// After IAC WILL/WONT/DO/DONT: the option byte comes next and is dropped.
    Verb,
    /// After IAC SB: the option byte comes next.
    SbOption,
    /// Inside a subnegotiation for this option.
    Sb(u8),
    /// IAC inside a subnegotiation.
    SbIac(u8),
}

/// Turns mushd's telnet output into frames: commands stripped, GMCP as binary frames, text
/// cut into lines. Keeps the unfinished line for `take_partial` (a prompt).
#[derive(Debug)]
pub struct TelnetToWs {
    state: State,
    line: Vec<u8>,
    sb: Vec<u8>,
}

impl Default for TelnetToWs {
    fn default() -> Self {
        Self::new()
    }
}

impl TelnetToWs {
    pub fn new() -> Self {
        TelnetToWs {
            state: State::Data,
            line: Vec::new(),
            sb: Vec::new(),
        }
    }

    /// Consumes bytes from mushd; returns the frames they complete, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<WsOut> {
        let mut out = Vec::new();
        for &b in bytes {
            self.state = match self.state {
                State::Data => match b {
                    IAC => State::Iac,
                    b'\n' => {
                        out.push(WsOut::Text(self.take_line()));
                        State::Data
                    }
                    b'\r' => State::Data,
                    _ => {
                        self.push_text(b, &mut out);
                        State::Data
                    }
                },
                State::Iac => match b {
                    IAC => {
                        self.push_text(IAC, &mut out);
                        State::Data
                    }
                    WILL..=DONT => State::Verb,
                    SB => State::SbOption,
                    // NOP, GA, EOR and the other two-byte commands.
                    _ => State::Data,
                },
                State::Verb => State::Data,
                State::SbOption => {
                    self.sb.clear();
                    State::Sb(b)
                }
                State::Sb(opt) => {
                    if b == IAC {
                        State::SbIac(opt)
                    } else {
                        self.push_sb(b);
                        State::Sb(opt)
                    }
                }
                State::SbIac(opt) => match b {
                    IAC => {
                        self.push_sb(IAC);
                        State::Sb(opt)
                    }
                    SE => {
                        let payload = std::mem::take(&mut self.sb);
                        if opt == GMCP {
                            out.push(WsOut::Binary(payload));
                        }
                        State::Data
                    }
                    // A broken subnegotiation: drop it and go on with the text.
                    _ => {
                        self.sb.clear();
                        State::Data
                    }
                },
            };
        }
        out
    }

    /// True when an unfinished line is waiting (a prompt, or a line still arriving).
    pub fn has_partial(&self) -> bool {
        !self.line.is_empty()
    }

    /// The unfinished line as a frame of its own, when more bytes did not come in time.
    pub fn take_partial(&mut self) -> Option<WsOut> {
        self.has_partial().then(|| WsOut::Text(self.take_line()))
    }

    fn push_text(&mut self, b: u8, out: &mut Vec<WsOut>) {
        self.line.push(b);
        if self.line.len() >= MAX_LINE_BYTES {
            out.push(WsOut::Text(self.take_line()));
        }
    }

    fn push_sb(&mut self, b: u8) {
        // An over-long payload is cut; the rest is dropped rather than buffered.
        if self.sb.len() < MAX_LINE_BYTES {
            self.sb.push(b);
        }
    }

    fn take_line(&mut self) -> String {
        let line = String::from_utf8_lossy(&self.line).into_owned();
        self.line.clear();
        if self.line.capacity() > 4096 {
            self.line.shrink_to(4096);
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> WsOut {
        WsOut::Text(s.into())
    }

    #[test]
    fn text_frames_become_one_line_each() {
        assert_eq!(text_to_telnet("say hi"), b"say hi\r\n");
        assert_eq!(text_to_telnet("a\r\nb\nc"), b"abc\r\n");
        assert_eq!(text_to_telnet(""), b"\r\n");
        assert_eq!(text_to_telnet("é"), "é\r\n".as_bytes());
    }

    #[test]
    fn naws_binary_frames_become_window_size_reports() {
        assert_eq!(
            binary_to_telnet(b"NAWS 120 42"),
            [IAC, SB, NAWS, 0, 120, 0, 42, IAC, SE]
        );
        // 255 in a size byte is doubled; 511 = 0x01FF.
        assert_eq!(
            binary_to_telnet(b"NAWS 511 255"),
            [IAC, SB, NAWS, 1, 255, 255, 0, 255, 255, IAC, SE]
        );
    }

    #[test]
    fn other_binary_frames_become_gmcp() {
        assert_eq!(
            binary_to_telnet(b"Core.Hello {}"),
            [&[IAC, SB, GMCP][..], b"Core.Hello {}", &[IAC, SE]].concat()
        );
        assert_eq!(
            binary_to_telnet(&[1, 255, 2]),
            [IAC, SB, GMCP, 1, 255, 255, 2, IAC, SE]
        );
        // Not quite NAWS: travels as GMCP.
        for p in [
            &b"NAWS 80"[..],
            b"NAWS 80 24 1",
            b"NAWS x 24",
            b"NAWS 70000 24",
        ] {
            assert_eq!(binary_to_telnet(p)[2], GMCP, "{p:?}");
        }
    }

    #[test]
    fn lines_split_at_newline_without_carriage_returns() {
        let mut t = TelnetToWs::new();
        assert_eq!(
            t.feed(b"one\r\ntwo\n\r\n"),
            [text("one"), text("two"), text("")]
        );
        assert!(!t.has_partial());
    }

    #[test]
    fn partial_lines_wait_and_can_be_taken() {
        let mut t = TelnetToWs::new();
        assert_eq!(t.feed(b"Password: "), []);
        assert!(t.has_partial());
        assert_eq!(t.take_partial(), Some(text("Password: ")));
        assert_eq!(t.take_partial(), None);
        assert_eq!(t.feed(b"hal"), []);
        assert_eq!(t.feed(b"f\r\n"), [text("half")]);
    }

    #[test]
    fn telnet_commands_are_stripped_and_iac_iac_is_a_byte() {
        let mut t = TelnetToWs::new();
        let mut input = vec![IAC, WILL, 24, b'a', IAC, 253, 31, b'b', IAC, 241, b'c'];
        input.extend_from_slice(&[IAC, IAC, b'\n']);
        assert_eq!(t.feed(&input), [text("abc\u{fffd}")]);
    }

    #[test]
    fn ansi_escapes_pass_through() {
        let mut t = TelnetToWs::new();
        assert_eq!(
            t.feed(b"\x1b[31mred\x1b[0m\r\n"),
            [text("\x1b[31mred\x1b[0m")]
        );
    }

    #[test]
    fn gmcp_becomes_binary_and_other_subnegotiations_are_dropped() {
        let mut t = TelnetToWs::new();
        let mut input = vec![IAC, SB, GMCP];
        input.extend_from_slice(b"mushd.resume abc");
        input.extend_from_slice(&[IAC, IAC, IAC, SE]);
        input.extend_from_slice(&[IAC, SB, 24, 1, IAC, SE, b'x', b'\n']);
        let mut want = b"mushd.resume abc".to_vec();
        want.push(255);
        assert_eq!(t.feed(&input), [WsOut::Binary(want), text("x")]);
    }

    #[test]
    fn sequences_split_across_reads_decode_the_same() {
        let mut input = b"hi ".to_vec();
        input.extend_from_slice(&[IAC, SB, GMCP, b'g', IAC, SE, IAC, WILL, 1]);
        input.extend_from_slice(b"there\r\nnext\n");
        let whole = TelnetToWs::new().feed(&input);
        for cut in 0..input.len() {
            let mut t = TelnetToWs::new();
            let mut got = t.feed(&input[..cut]);
            got.extend(t.feed(&input[cut..]));
            assert_eq!(got, whole, "cut at {cut}");
        }
        assert_eq!(
            whole,
            [WsOut::Binary(b"g".to_vec()), text("hi there"), text("next")]
        );
    }

    #[test]
    fn over_long_lines_are_cut() {
        let mut t = TelnetToWs::new();
        let out = t.feed(&vec![b'x'; MAX_LINE_BYTES + 10]);
        assert_eq!(out.len(), 1);
        assert_eq!(t.take_partial(), Some(text(&"x".repeat(10))));
    }
}
