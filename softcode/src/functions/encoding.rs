//! Encodings and text-to-text transforms: encode64/decode64, digest/hmac,
//! encrypt/decrypt (PennMUSH's printable-range Vigenère), soundex/soundslike,
//! spellnum/ordinal.

use md5::Md5;
use ripemd::Ripemd160;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use crate::eval::{push, Args, Eval, MAX_OUTPUT};
use crate::functions::ansi::strip_markup;
use crate::functions::math::{truthy, E_INT, E_NUM};
use crate::functions::FnDef;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(data: &[u8]) -> String {
    let mut r = String::with_capacity(data.len().div_ceil(3) * 4);
    for ch in data.chunks(3) {
        let b = [
            ch.first().copied().unwrap_or(0),
            ch.get(1).copied().unwrap_or(0),
            ch.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= ch.len() {
                let idx = ((n >> (18 - 6 * k)) & 63) as usize;
                r.push(char::from(B64.get(idx).copied().unwrap_or(b'A')));
            } else {
                r.push('=');
            }
        }
    }
    r
}

/// Decode base64, stopping quietly at the first invalid character or padding, as
/// OpenSSL's BIO decoder does with partial input (incomplete groups are dropped).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut n = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    match n {
        2 if s.contains('=') => out.push((acc >> 4) as u8),
        3 if s.contains('=') => {
            out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]);
        }
        _ => {}
    }
    Some(out)
}

/// Bytes to text as PennMUSH prints them: non-printable bytes become `?`.
fn printable_text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect(),
        Err(_) => b
            .iter()
            .map(|&x| {
                if (32..127).contains(&x) {
                    char::from(x)
                } else {
                    '?'
                }
            })
            .collect(),
    }
}

fn fun_encode64(_: &mut Eval, a: &Args, o: &mut String) {
    push(o, &base64_encode(a.get(0).as_bytes()))
}
fn fun_decode64(_: &mut Eval, a: &Args, o: &mut String) {
    if let Some(b) = base64_decode(a.get(0)) {
        push(o, &printable_text(&b))
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hash_bytes(algo: &str, data: &[u8]) -> Option<(Vec<u8>, usize)> {
    Some(match algo.to_ascii_lowercase().as_str() {
        "md5" => (Md5::digest(data).to_vec(), 64),
        "sha1" => (Sha1::digest(data).to_vec(), 64),
        "sha224" => (Sha224::digest(data).to_vec(), 64),
        "sha256" => (Sha256::digest(data).to_vec(), 64),
        "sha384" => (Sha384::digest(data).to_vec(), 128),
        "sha512" => (Sha512::digest(data).to_vec(), 128),
        "ripemd160" | "rmd160" => (Ripemd160::digest(data).to_vec(), 64),
        _ => return None,
    })
}

fn fun_digest(_: &mut Eval, a: &Args, o: &mut String) {
    match hash_bytes(a.get(0), a.get(1).as_bytes()) {
        Some((d, _)) => push(o, &hex(&d)),
        None => push(o, "#-1 UNSUPPORTED DIGEST TYPE"),
    }
}

fn hmac(algo: &str, key: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
    let (_, block) = hash_bytes(algo, b"")?;
    let mut k = if key.len() > block {
        hash_bytes(algo, key)?.0
    } else {
        key.to_vec()
    };
    k.resize(block, 0);
    let mut inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    inner.extend_from_slice(msg);
    let ih = hash_bytes(algo, &inner)?.0;
    let mut outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    outer.extend_from_slice(&ih);
    Some(hash_bytes(algo, &outer)?.0)
}

fn fun_hmac(_: &mut Eval, a: &Args, o: &mut String) {
    let enc = if a.len() > 3 {
        a.get(3).to_ascii_lowercase()
    } else {
        "base16".into()
    };
    if enc != "base16" && enc != "base64" {
        return push(o, "#-1 INVALID ARGUMENT");
    }
    match hmac(a.get(0), a.get(1).as_bytes(), a.get(2).as_bytes()) {
        None => push(o, "#-1 UNSUPPORTED DIGEST TYPE"),
        Some(d) if enc == "base64" => push(o, &base64_encode(&d)),
        Some(d) => push(o, &hex(&d)),
    }
}

/// PennMUSH's encrypt/decrypt: shift each printable ASCII character by the matching
/// (printable) key character, modulo the printable range; other characters drop out.
fn crypt(code: &str, text: &str, enc: bool) -> String {
    let key: Vec<u32> = code
        .bytes()
        .filter(|b| (32..=126).contains(b))
        .map(u32::from)
        .collect();
    if text.is_empty() {
        return String::new();
    }
    if key.is_empty() {
        return text.to_string();
    }
    let (start, modu) = (32u32, 95u32);
    let mut r = String::with_capacity(text.len());
    let mut k = key.iter().cycle();
    for b in text.bytes().filter(|b| (32..=126).contains(b)) {
        let c = u32::from(b);
        let q = k.next().copied().unwrap_or(start);
        let v = if enc {
            ((c - start) + (q - start)) % modu + start
        } else {
            ((c + 2 * modu - q) % modu) + start
        };
        r.push(char::from_u32(v).unwrap_or('?'));
    }
    r
}

fn fun_encrypt(_: &mut Eval, a: &Args, o: &mut String) {
    let r = crypt(&strip_markup(a.get(1)), &strip_markup(a.get(0)), true);
    if a.len() == 3 && truthy(a.get(2)) {
        push(o, &base64_encode(r.as_bytes()))
    } else {
        push(o, &r)
    }
}
fn fun_decrypt(_: &mut Eval, a: &Args, o: &mut String) {
    let input = if a.len() == 3 && truthy(a.get(2)) {
        match base64_decode(a.get(0)) {
            Some(b) => printable_text(&b),
            None => return,
        }
    } else {
        strip_markup(a.get(0)).into_owned()
    };
    push(o, &crypt(&strip_markup(a.get(1)), &input, false))
}

/// Soundex as SQLite computes it (PennMUSH uses SQLite's), with a leading "ph" read as
/// "f".
pub fn soundex(s: &str) -> String {
    fn code(c: u8) -> u8 {
        match c.to_ascii_lowercase() {
            b'b' | b'f' | b'p' | b'v' => 1,
            b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => 2,
            b'd' | b't' => 3,
            b'l' => 4,
            b'm' | b'n' => 5,
            b'r' => 6,
            _ => 0,
        }
    }
    let owned;
    let s = if s.len() >= 2 && s.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("ph")) {
        owned = format!("f{}", s.get(2..).unwrap_or(""));
        owned.as_str()
    } else {
        s
    };
    let b = s.as_bytes();
    let Some(start) = b.iter().position(u8::is_ascii_alphabetic) else {
        return "?000".into();
    };
    let first = b.get(start).copied().unwrap_or(b'?');
    let mut r = String::new();
    r.push(char::from(first.to_ascii_uppercase()));
    let mut prev = code(first);
    for &c in b.get(start + 1..).unwrap_or(&[]) {
        if r.len() >= 4 {
            break;
        }
        let k = code(c);
        if k > 0 {
            if k != prev {
                prev = k;
                r.push(char::from(b'0' + k));
            }
        } else {
            prev = 0;
        }
    }
    while r.len() < 4 {
        r.push('0');
    }
    r
}

// Character classes of the phonetic hash (SQLite spellfix1's `phonehash`).
const PH_SILENT: u8 = 0;
const PH_VOWEL: u8 = 1;
const PH_B: u8 = 2;
const PH_C: u8 = 3;
const PH_D: u8 = 4;
const PH_L: u8 = 6;
const PH_R: u8 = 7;
const PH_M: u8 = 8;
const PH_Y: u8 = 9;
const PH_DIGIT: u8 = 10;
const PH_SPACE: u8 = 11;
const PH_OTHER: u8 = 12;
/// The symbol printed for each class.
const PH_SYMBOL: &[u8; 13] = b".ABCDHLRMY9 ?";

fn phone_class(c: u8, initial: bool) -> u8 {
    match (c & 0x7f).to_ascii_lowercase() {
        b'y' if initial => PH_Y,
        b'a' | b'e' | b'i' | b'o' | b'u' | b'y' => PH_VOWEL,
        b'b' | b'f' | b'p' | b'v' | b'w' => PH_B,
        b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => PH_C,
        b'd' | b't' => PH_D,
        b'h' => PH_SILENT,
        b'\'' if !initial => PH_SILENT,
        b'l' => PH_L,
        b'r' => PH_R,
        b'm' | b'n' => PH_M,
        b'0'..=b'9' => PH_DIGIT,
        b' ' | b'\t' | 0x0c | b'\r' => PH_SPACE,
        _ => PH_OTHER,
    }
}

/// PennMUSH's "phone" sound hash (SQLite spellfix1's phonetic hash): letters mapped to
/// sound classes, doubles and vowels beside L/R dropped, silent letters skipped.
pub fn phone_hash(s: &str) -> String {
    let mut b = s.as_bytes();
    if b.len() > 2 && matches!(b.first(), Some(b'g' | b'k')) && b.get(1) == Some(&b'n') {
        b = b.get(1..).unwrap_or(b);
    }
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let (mut prev, mut prev_sounded) = (0x77u8, 0x77u8);
    let mut initial = true;
    for (i, &c) in b.iter().enumerate() {
        let next = b.get(i + 1).copied();
        if (c == b'w' && next == Some(b'r'))
            || (c == b'd' && matches!(next, Some(b'j' | b'g')))
            || (c == b't' && next == Some(b'c') && b.get(i + 2) == Some(&b'h'))
        {
            continue;
        }
        let class = phone_class(c, initial);
        if class == PH_SPACE || (class == PH_OTHER && prev != PH_DIGIT) {
            continue;
        }
        initial = false;
        if class == PH_VOWEL && (prev_sounded == PH_R || prev_sounded == PH_L) {
            continue;
        }
        if (class == PH_R || class == PH_L) && prev_sounded == PH_VOWEL {
            out.pop();
        }
        prev = class;
        if class == PH_SILENT {
            continue;
        }
        prev_sounded = class;
        let sym = PH_SYMBOL.get(usize::from(class)).copied().unwrap_or(b'?');
        if out.last() != Some(&sym) {
            out.push(sym);
        }
    }
    out.into_iter().map(char::from).collect()
}

/// The hash named by argument `i` (soundex when absent); None after an error.
fn hash_type(a: &Args, i: usize, o: &mut String) -> Option<fn(&str) -> String> {
    if a.len() <= i || a.get(i).eq_ignore_ascii_case("soundex") {
        return Some(soundex);
    }
    if a.get(i).eq_ignore_ascii_case("phone") {
        return Some(phone_hash);
    }
    push(o, "#-1 UNKNOWN HASH TYPE");
    None
}
fn fun_soundex(_: &mut Eval, a: &Args, o: &mut String) {
    if let Some(h) = hash_type(a, 1, o) {
        push(o, &h(a.get(0)))
    }
}
fn fun_soundslike(_: &mut Eval, a: &Args, o: &mut String) {
    if let Some(h) = hash_type(a, 2, o) {
        push(o, if h(a.get(0)) == h(a.get(1)) { "1" } else { "0" })
    }
}

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const GROUPS: [&str; 5] = ["", "thousand", "million", "billion", "trillion"];
const FRACS: [&str; 16] = [
    "",
    "tenths",
    "hundredths",
    "thousandths",
    "ten-thousandths",
    "hundred-thousandths",
    "millionths",
    "ten-millionths",
    "hundred-millionths",
    "billionths",
    "ten-billionths",
    "hundred-billionths",
    "trillionths",
    "ten-trillionths",
    "hundred-trillionths",
    "quadrillionths",
];

fn spell_under_1000(n: u64, w: &mut Vec<String>) {
    let h = n / 100;
    let r = n % 100;
    if h > 0 {
        w.push(ONES.get(h as usize).unwrap_or(&"").to_string());
        w.push("hundred".into());
    }
    if r >= 20 {
        let t = TENS.get((r / 10) as usize).unwrap_or(&"");
        if r % 10 > 0 {
            w.push(format!(
                "{t}-{}",
                ONES.get((r % 10) as usize).unwrap_or(&"")
            ));
        } else {
            w.push(t.to_string());
        }
    } else if r > 0 {
        w.push(ONES.get(r as usize).unwrap_or(&"").to_string());
    }
}

/// Spell a whole number (< 10^15).
fn spell_int(n: u64) -> Vec<String> {
    if n == 0 {
        return vec!["zero".into()];
    }
    let mut groups = Vec::new();
    let mut m = n;
    while m > 0 {
        groups.push(m % 1000);
        m /= 1000;
    }
    let mut w = Vec::new();
    for (i, g) in groups.iter().enumerate().rev() {
        if *g == 0 {
            continue;
        }
        spell_under_1000(*g, &mut w);
        if let Some(name) = GROUPS.get(i).filter(|s| !s.is_empty()) {
            w.push((*name).to_string());
        }
    }
    w
}

fn fun_spellnum(_: &mut Eval, a: &Args, o: &mut String) {
    spellnum(a, o, false)
}
fn fun_ordinal(_: &mut Eval, a: &Args, o: &mut String) {
    spellnum(a, o, true)
}
fn spellnum(a: &Args, o: &mut String, ordinal: bool) {
    let t = strip_markup(a.get(0));
    let t = t.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (ip, fp) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(ip)
        || !fp.is_none_or(digits)
        || (!t.is_empty() && ip.is_empty() && fp.is_none_or(str::is_empty))
    {
        return push(o, E_NUM);
    }
    let ip = ip.trim_start_matches('0');
    let fp = fp.map(|f| f.trim_end_matches('0')).unwrap_or("");
    if ip.len() > 15 || fp.len() >= FRACS.len() {
        return push(o, E_NUM);
    }
    if ordinal && !fp.is_empty() {
        return push(o, E_INT);
    }
    let iv: u64 = if ip.is_empty() {
        0
    } else {
        ip.parse().unwrap_or(0)
    };
    let fv: u64 = if fp.is_empty() {
        0
    } else {
        fp.parse().unwrap_or(0)
    };
    let mut words: Vec<String> = Vec::new();
    if neg && (iv > 0 || fv > 0) {
        words.push("negative".into());
    }
    if iv > 0 || fv == 0 {
        words.extend(spell_int(iv));
    }
    if fv > 0 {
        if iv > 0 {
            words.push("and".into());
        }
        words.extend(spell_int(fv));
        words.push(FRACS.get(fp.len()).unwrap_or(&"").to_string());
    }
    if ordinal {
        if let Some(last) = words.last_mut() {
            let (head, tail) = match last.rsplit_once('-') {
                Some((h, t)) => (format!("{h}-"), t.to_string()),
                None => (String::new(), last.clone()),
            };
            let ord = match tail.as_str() {
                "one" => "first".to_string(),
                "two" => "second".into(),
                "three" => "third".into(),
                "five" => "fifth".into(),
                "eight" => "eighth".into(),
                "nine" => "ninth".into(),
                "twelve" => "twelfth".into(),
                t if t.ends_with('y') => format!("{}ieth", t.get(..t.len() - 1).unwrap_or("")),
                t => format!("{t}th"),
            };
            *last = format!("{head}{ord}");
        }
    }
    let s = words.join(" ");
    push(o, s.get(..s.len().min(MAX_OUTPUT)).unwrap_or(""))
}

pub(crate) const FUNCTIONS: &[FnDef] = &[
    FnDef::new("DECODE64", 1, 1, fun_decode64).comma_last(),
    FnDef::new("DECRYPT", 2, 3, fun_decrypt),
    FnDef::new("DIGEST", 1, 2, fun_digest).comma_last(),
    FnDef::new("ENCODE64", 1, 1, fun_encode64).comma_last(),
    FnDef::new("ENCRYPT", 2, 3, fun_encrypt),
    FnDef::new("HMAC", 3, 4, fun_hmac),
    FnDef::new("ORDINAL", 1, 1, fun_ordinal),
    FnDef::new("SOUNDEX", 1, 2, fun_soundex),
    FnDef::new("SOUNDLIKE", 2, 3, fun_soundslike),
    FnDef::new("SOUNDSLIKE", 2, 3, fun_soundslike),
    FnDef::new("SPELLNUM", 1, 1, fun_spellnum),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64_roundtrip() {
        for s in ["", "a", "ab", "abc", "hello world"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap_or_default(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
    }

    #[test]
    fn sounds() {
        assert_eq!(phone_hash("hello"), "L");
        assert_eq!(phone_hash("knight"), phone_hash("night"));
        assert_eq!(phone_hash("phone"), phone_hash("fone"));
        assert_eq!(soundex("Tymczak"), "T522");
        assert_eq!(soundex("Ashcraft"), "A226");
        assert_eq!(soundex("123"), "?000");
    }

    #[test]
    fn crypt_roundtrip() {
        let e = crypt("key", "hello world", true);
        assert_eq!(crypt("key", &e, false), "hello world");
    }
}
