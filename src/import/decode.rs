//! Bytes to text: which encoding an export is in, and decoding its fields.
//!
//! The CSV parser works on bytes whose delimiters, quotes and line ends are ASCII. UTF-8 and
//! single-byte encodings (windows-1252) keep those bytes as they are, so they are parsed as is
//! and each *field* is decoded once, when it becomes a `String` (no copy of the whole input).
//! UTF-16 does not, so it is transcoded to UTF-8 on the fly by [`Transcoder`] before parsing.
//!
//! Detection, from the first bytes ([`detect`]): a BOM decides (UTF-8, UTF-16 LE/BE); else
//! UTF-16 without BOM is recognised by its zero bytes; else bytes that are valid UTF-8 are
//! UTF-8; else windows-1252, with a note, because that is what Excel and ServiceNow write in
//! the West (and Latin-1 is a subset of it for every printable character).

use std::borrow::Cow;
use std::io::{self, Read};

use encoding_rs::{Decoder, Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// The encoding decided for an input, and why.
#[derive(Clone, Debug)]
pub struct Detected {
    /// The encoding.
    pub encoding: &'static Encoding,
    /// Bytes of BOM to skip at the start.
    pub bom_len: usize,
    /// Whether the sample held only ASCII (so UTF-8 was a default, not a finding).
    pub ascii_only: bool,
    /// Why, in a few words (`BOM`, `valid UTF-8`, `invalid UTF-8 at byte 1234`, `--encoding`).
    pub reason: String,
}

/// Decides the encoding from the first bytes of an input (`forced` wins, but a BOM is still
/// skipped when it matches the forced encoding). `complete` says `head` is the whole input, so
/// a multi-byte sequence cut at its end is invalid rather than cut by the sample.
pub fn detect(head: &[u8], complete: bool, forced: Option<&'static Encoding>) -> Detected {
    let bom = Encoding::for_bom(head);
    if let Some(encoding) = forced {
        let bom_len = match bom {
            Some((e, len)) if e == encoding => len,
            _ => 0,
        };
        return Detected {
            encoding,
            bom_len,
            ascii_only: false,
            reason: "--encoding".into(),
        };
    }
    if let Some((encoding, bom_len)) = bom {
        return Detected {
            encoding,
            bom_len,
            ascii_only: false,
            reason: "byte order mark".into(),
        };
    }
    if let Some(encoding) = utf16_without_bom(head) {
        return Detected {
            encoding,
            bom_len: 0,
            ascii_only: false,
            reason: "zero bytes every other byte: UTF-16 without BOM".into(),
        };
    }
    match std::str::from_utf8(head) {
        Ok(text) => Detected {
            encoding: UTF_8,
            bom_len: 0,
            ascii_only: text.is_ascii(),
            reason: if text.is_ascii() {
                "ASCII only in the first bytes: UTF-8 assumed".into()
            } else {
                "valid UTF-8".into()
            },
        },
        // A sequence cut by the end of the sample is no evidence against UTF-8.
        Err(e) if e.error_len().is_none() && !complete => Detected {
            encoding: UTF_8,
            bom_len: 0,
            ascii_only: head[..e.valid_up_to()].is_ascii(),
            reason: "valid UTF-8".into(),
        },
        Err(e) => {
            // Mostly valid UTF-8 with a few bad bytes (a stray windows-1252 character pasted
            // into one ticket) is UTF-8: read as windows-1252, every other character would
            // turn into two. The bad fields fall back to windows-1252, each with a warning.
            let (valid, invalid) = utf8_profile(head, complete);
            if valid > invalid {
                return Detected {
                    encoding: UTF_8,
                    bom_len: 0,
                    ascii_only: false,
                    reason: format!(
                        "UTF-8 ({valid} multi-byte characters), with {invalid} invalid \
                         sequence(s), the first at byte {}: fields with them are read as \
                         windows-1252 (use --encoding to choose)",
                        e.valid_up_to()
                    ),
                };
            }
            Detected {
                encoding: WINDOWS_1252,
                bom_len: 0,
                ascii_only: false,
                reason: format!(
                    "invalid UTF-8 at byte {}: read as windows-1252 (use --encoding to choose)",
                    e.valid_up_to()
                ),
            }
        }
    }
}

/// Valid multi-byte UTF-8 characters and invalid sequences in `head` (a sequence cut by the
/// end of an incomplete sample is neither).
fn utf8_profile(head: &[u8], complete: bool) -> (usize, usize) {
    let (mut valid, mut invalid) = (0, 0);
    let mut chunks = head.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        let cut_at_end = !complete && chunks.peek().is_none();
        if !chunk.invalid().is_empty() && !cut_at_end {
            invalid += 1;
        }
    }
    (valid, invalid)
}

/// UTF-16 without BOM: most of the even (BE) or odd (LE) bytes are zero, as in ASCII text.
fn utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let sample = &head[..head.len().min(4096) & !1];
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zero_odd = sample
        .chunks_exact(2)
        .filter(|p| p[1] == 0 && p[0] != 0)
        .count();
    let zero_even = sample
        .chunks_exact(2)
        .filter(|p| p[0] == 0 && p[1] != 0)
        .count();
    if zero_odd * 10 > pairs * 8 {
        Some(UTF_16LE)
    } else if zero_even * 10 > pairs * 8 {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Whether an encoding must be transcoded before CSV parsing (its ASCII is not single bytes).
pub fn needs_transcoding(encoding: &'static Encoding) -> bool {
    encoding == UTF_16LE || encoding == UTF_16BE
}

/// How fields are turned into text.
#[derive(Clone, Copy, Debug)]
pub enum FieldDecoder {
    /// UTF-8 (or transcoded UTF-16). Invalid bytes are read as windows-1252 and reported,
    /// unless `quiet_fallback` (a ServiceNow export whose sample was ASCII: windows-1252 is
    /// its documented default, so finding it is no surprise).
    Utf8 {
        /// Read invalid UTF-8 as windows-1252 without a warning.
        quiet_fallback: bool,
        /// Invalid bytes are replaced with U+FFFD instead (UTF-8 forced with `--encoding`).
        forced: bool,
    },
    /// A single-byte encoding (windows-1252 and friends): every byte is a character.
    Single(&'static Encoding),
}

/// What decoding a field found wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeIssue {
    /// Invalid UTF-8, read as windows-1252.
    Fallback,
    /// Invalid UTF-8 replaced with U+FFFD.
    Replaced,
}

impl FieldDecoder {
    /// Decodes one field, appending to `out`. Returns what was wrong, if anything.
    #[inline]
    pub fn decode_into(self, bytes: &[u8], out: &mut String) -> Option<DecodeIssue> {
        match self {
            FieldDecoder::Utf8 {
                quiet_fallback,
                forced,
            } => match std::str::from_utf8(bytes) {
                Ok(text) => {
                    out.push_str(text);
                    None
                }
                Err(_) if forced => {
                    out.push_str(&String::from_utf8_lossy(bytes));
                    Some(DecodeIssue::Replaced)
                }
                Err(_) => {
                    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
                    out.push_str(&text);
                    (!quiet_fallback).then_some(DecodeIssue::Fallback)
                }
            },
            FieldDecoder::Single(encoding) => {
                if bytes.is_ascii() {
                    // Safe and fast: ASCII is the same in every single-byte encoding we accept.
                    out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
                } else {
                    out.push_str(&encoding.decode_without_bom_handling(bytes).0);
                }
                None
            }
        }
    }

    /// Decodes one field to a new string.
    pub fn decode(self, bytes: &[u8]) -> (String, Option<DecodeIssue>) {
        let mut out = String::with_capacity(bytes.len());
        let issue = self.decode_into(bytes, &mut out);
        (out, issue)
    }
}

/// Decodes bytes for display in a reject or a message, never failing.
pub fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// A reader that transcodes its input (UTF-16) to UTF-8 as it is read.
pub struct Transcoder<R> {
    inner: R,
    decoder: Decoder,
    raw: Vec<u8>,
    raw_len: usize,
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    eof: bool,
}

impl<R: Read> Transcoder<R> {
    /// Transcodes `inner`, whose BOM (if any) was already skipped, from `encoding`.
    pub fn new(inner: R, encoding: &'static Encoding) -> Transcoder<R> {
        Transcoder {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            raw: vec![0; 64 * 1024],
            raw_len: 0,
            out: vec![0; 3 * 64 * 1024 + 16],
            out_pos: 0,
            out_len: 0,
            eof: false,
        }
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.out_len {
            if self.eof {
                return Ok(0);
            }
            let n = self.inner.read(&mut self.raw[self.raw_len..])?;
            self.raw_len += n;
            self.eof = n == 0;
            let (_, read, written, _) =
                self.decoder
                    .decode_to_utf8(&self.raw[..self.raw_len], &mut self.out, self.eof);
            self.raw.copy_within(read..self.raw_len, 0);
            self.raw_len -= read;
            self.out_pos = 0;
            self.out_len = written;
        }
        let n = buf.len().min(self.out_len - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_bom_decides_and_is_skipped() {
        let d = detect(b"\xef\xbb\xbfid,title\n", true, None);
        assert_eq!((d.encoding, d.bom_len), (UTF_8, 3));
        let d = detect(b"\xff\xfei\x00d\x00", true, None);
        assert_eq!((d.encoding, d.bom_len), (UTF_16LE, 2));
        let d = detect(b"\xfe\xff\x00i\x00d", true, None);
        assert_eq!((d.encoding, d.bom_len), (UTF_16BE, 2));
    }

    #[test]
    fn invalid_utf8_falls_back_to_windows_1252_with_a_reason() {
        let d = detect(b"id;Titel\n1;Pr\xfcfung\n", true, None);
        assert_eq!(d.encoding, WINDOWS_1252);
        assert!(d.reason.contains("byte 13"), "{}", d.reason);
        // A multi-byte character cut by the end of the sample is not invalid.
        let d = detect("id,t\u{e9}".as_bytes().split_last().unwrap().1, false, None);
        assert_eq!(d.encoding, UTF_8);
    }

    #[test]
    fn utf8_with_a_few_bad_bytes_stays_utf8() {
        let mut bytes = "id,t\n1,Prüfung nötig – grüße\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"2,cr\xe8me\n"); // one windows-1252 byte
        let d = detect(&bytes, true, None);
        assert_eq!(d.encoding, UTF_8, "{}", d.reason);
        assert!(d.reason.contains("1 invalid sequence"), "{}", d.reason);
        // Mostly windows-1252 (no valid multi-byte character) stays windows-1252.
        let d = detect(b"id;t\n1;Pr\xfcfung\n2;\xe9t\xe9\n", true, None);
        assert_eq!(d.encoding, WINDOWS_1252);
    }

    #[test]
    fn fields_that_are_not_utf8_are_read_as_windows_1252_and_reported() {
        let dec = FieldDecoder::Utf8 {
            quiet_fallback: false,
            forced: false,
        };
        assert_eq!(
            dec.decode(b"caf\xe9"),
            ("café".to_string(), Some(DecodeIssue::Fallback))
        );
        assert_eq!(dec.decode("café".as_bytes()), ("café".to_string(), None));
        let dec = FieldDecoder::Single(WINDOWS_1252);
        assert_eq!(dec.decode(b"\x80 5"), ("€ 5".to_string(), None));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn encoded_csv_is_detected_and_transcoded_back(text in "[a-zA-Z0-9 ,;\"\n\u{e0}-\u{ff}€]{1,300}", le in any::<bool>(), bom in any::<bool>()) {
            let encoding = if le { UTF_16LE } else { UTF_16BE };
            let mut bytes = Vec::new();
            if bom {
                bytes.extend_from_slice(if le { b"\xff\xfe" } else { b"\xfe\xff" });
            }
            for unit in text.encode_utf16() {
                bytes.extend_from_slice(&if le { unit.to_le_bytes() } else { unit.to_be_bytes() });
            }
            let d = detect(&bytes, true, None);
            let ascii = text.chars().filter(|c| c.is_ascii()).count();
            if bom || ascii >= 4 && ascii * 10 > text.chars().count() * 9 {
                prop_assert_eq!(d.encoding, encoding);
                let mut out = String::new();
                Transcoder::new(&bytes[d.bom_len..], encoding).read_to_string(&mut out).unwrap();
                prop_assert_eq!(out, text);
            }
        }

        #[test]
        fn windows_1252_with_accents_is_never_taken_for_utf8(text in "[a-z ,;]{0,50}[\u{e0}-\u{ff}][a-z ,;]{0,50}") {
            let (bytes, _, _) = WINDOWS_1252.encode(&text);
            let d = detect(&bytes, true, None);
            prop_assert_eq!(d.encoding, WINDOWS_1252);
            let dec = FieldDecoder::Single(d.encoding);
            prop_assert_eq!(dec.decode(&bytes).0, text);
        }
    }
}
