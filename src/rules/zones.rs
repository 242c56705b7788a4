//! Zones: which part of a ticket a word was found in, so that what the ticket is *about* weighs
//! more than what it quotes.
//!
//! A ticket's title says what it is about; its own text says what was done; a forwarded
//! mail's quoted history, a signature or a confidentiality disclaimer mostly do not. A word of
//! a phishing mail pasted below a header block, or "notify the sender" in a disclaimer, should
//! not count like the same word in the subject line. So each text field is cut into zones
//! (`split`), every hit remembers its zone, and a fired rule's weight is multiplied by the
//! factor of the best zone it was found in ([`ZoneFactors`], set in rules files as `[zones]`).
//!
//! The cut is made on whole lines, from the marks mail clients and ticket systems write, in the
//! languages the default rules cover:
//! - **quoted**: a line starting with `>`; everything after a forward or reply header (a
//!   `-----Original Message-----` line and its translations, a `From:`/`Von:`/`De :`... line
//!   followed by another header line such as `Sent:`/`To:`, or a line such as
//!   `On ... wrote:`/`Am ... schrieb:`/`Le ... a écrit :`);
//! - **signature**: from a `-- ` line, a closing line alone on its line (`Best regards,`,
//!   `Mit freundlichen Grüßen`, `Cordialement`, `Met vriendelijke groet`...) or a
//!   confidentiality disclaimer, for at most [`SIGNATURE_LINES`] lines (a closing word in the
//!   middle of work notes must not silence the notes after it);
//! - **body**: the rest of a text field; **title**: the title field.

/// Where in a ticket a word was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Zone {
    /// The title field (subject, summary).
    Title = 0,
    /// The ticket's own text.
    Body = 1,
    /// Quoted history: `>` lines, everything below a forward or reply header.
    Quoted = 2,
    /// A signature or disclaimer.
    Signature = 3,
}

impl Zone {
    /// Every zone, in order.
    pub const ALL: [Zone; 4] = [Zone::Title, Zone::Body, Zone::Quoted, Zone::Signature];

    /// Its name in rules files (`[zones]`) and explanations.
    pub fn name(self) -> &'static str {
        match self {
            Zone::Title => "title",
            Zone::Body => "body",
            Zone::Quoted => "quoted",
            Zone::Signature => "signature",
        }
    }

    /// The zone named `name` (as in `[zones]`).
    pub fn from_name(name: &str) -> Option<Zone> {
        Zone::ALL.into_iter().find(|z| z.name() == name)
    }

    /// This zone's bit in a set of zones.
    pub fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The factor each zone multiplies the weight of a rule found there by.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ZoneFactors(pub [f64; 4]);

impl Default for ZoneFactors {
    /// Title 2.0 (a word in the subject line says what the ticket is about: on the tuning
    /// part of the many-hands set this alone took primary accuracy from 0.458 to 0.507), body
    /// 1.0, quoted history 0.5, signatures 0.
    fn default() -> ZoneFactors {
        ZoneFactors([2.0, 1.0, 0.5, 0.0])
    }
}

impl ZoneFactors {
    /// The factor of a zone.
    pub fn get(&self, zone: Zone) -> f64 {
        self.0[zone as usize]
    }

    /// The factor of the best zone in a set of zone bits (0 for an empty set).
    pub fn best(&self, zones: u8) -> f64 {
        Zone::ALL
            .into_iter()
            .filter(|z| zones & z.bit() != 0)
            .map(|z| self.get(z))
            .fold(0.0, f64::max)
    }

    /// The bits of the zones whose words count at all (factor above 0).
    pub fn weighing(&self) -> u8 {
        Zone::ALL
            .into_iter()
            .filter(|&z| self.get(z) > 0.0)
            .fold(0, |bits, z| bits | z.bit())
    }

    /// The best zone in a set of zone bits: the one with the highest factor, the earlier on
    /// ties (`None` for an empty set).
    pub fn best_zone(&self, zones: u8) -> Option<Zone> {
        Zone::ALL.into_iter().filter(|z| zones & z.bit() != 0).fold(
            None,
            |best: Option<Zone>, z| match best {
                Some(b) if self.get(b) >= self.get(z) => Some(b),
                _ => Some(z),
            },
        )
    }
}

/// Most lines a signature zone lasts before the text is the ticket's own again.
pub const SIGNATURE_LINES: usize = 12;

/// A run of a text field in one zone: byte offsets `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    pub zone: Zone,
}

/// Cuts a (non-title) text field into zones, appending to `out` contiguous spans that cover
/// the whole text, adjacent spans in different zones.
///
/// `lower` is a buffer for lines folded to lower case, so that a warm caller allocates nothing.
pub(crate) fn split(text: &str, out: &mut Vec<Span>, lower: &mut String) {
    let first = out.len();
    let push = |out: &mut Vec<Span>, start: usize, end: usize, zone: Zone| {
        let n = out.len();
        match out.last_mut() {
            Some(last) if n > first && last.zone == zone => last.end = end,
            _ => out.push(Span { start, end, zone }),
        }
    };
    let mut state = Zone::Body;
    let mut signature_left = 0usize;
    let mut lines = text.split_inclusive('\n').peekable();
    let mut start = 0usize;
    while let Some(line) = lines.next() {
        let end = start + line.len();
        let content = line.trim();
        if state != Zone::Quoted && !content.is_empty() {
            let next = lines.peek().map_or("", |l| l.trim());
            if quote_header(content, next, lower) {
                state = Zone::Quoted;
            } else if signature_start(line.trim_end_matches(['\n', '\r']), lower) {
                state = Zone::Signature;
                signature_left = SIGNATURE_LINES;
            }
        }
        let zone = if content.starts_with('>') {
            Zone::Quoted
        } else if state == Zone::Signature {
            if signature_left == 0 {
                state = Zone::Body;
                Zone::Body
            } else {
                signature_left -= 1;
                Zone::Signature
            }
        } else {
            state
        };
        push(out, start, end, zone);
        start = end;
    }
    if start < text.len() || text.is_empty() {
        push(out, start, text.len(), state);
    }
}

/// Lower-cased ASCII comparison of a prefix (header names are ASCII or start ASCII).
fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Header names that start a quoted mail's header block (`From:`), in the languages of the
/// default rules.
const FROM_HEADERS: [&str; 10] = [
    "from:",
    "von:",
    "de :",
    "de:",
    "van:",
    "da:",
    "od:",
    "från:",
    "fra:",
    "expéditeur :",
];

/// Header names that follow `From:` in a header block.
const NEXT_HEADERS: [&str; 28] = [
    "sent:",
    "date:",
    "to:",
    "subject:",
    "cc:",
    "gesendet:",
    "datum:",
    "an:",
    "betreff:",
    "envoyé :",
    "envoyé:",
    "date :",
    "à :",
    "objet :",
    "verzonden:",
    "aan:",
    "onderwerp:",
    "enviado:",
    "enviado el:",
    "fecha:",
    "para:",
    "asunto:",
    "inviato:",
    "oggetto:",
    "a:",
    "wysłano:",
    "temat:",
    "do:",
];

/// Separator lines of forwarded or replied mails (lower case, without the dashes).
const SEPARATORS: [&str; 22] = [
    "original message",
    "forwarded message",
    "begin forwarded message",
    "ursprüngliche nachricht",
    "weitergeleitete nachricht",
    "originalnachricht",
    "message d'origine",
    "message transféré",
    "message original",
    "oorspronkelijk bericht",
    "doorgestuurd bericht",
    "origineel bericht",
    "mensaje original",
    "mensaje reenviado",
    "messaggio originale",
    "messaggio inoltrato",
    "wiadomość oryginalna",
    "oryginalna wiadomość",
    "przekazana wiadomość",
    "wiadomość przekazana",
    "forwarded by",
    "reply above this line",
];

/// Attribution lines (`On Mon, 3 Nov 2026, Ann <a@b> wrote:`, `Am 03.11.2026 um 10:12 schrieb
/// Jens Müller:`): how they start, and the verb they hold; they end with `:`.
const ATTRIBUTION_STARTS: [&str; 9] = [
    "on ", "am ", "le ", "op ", "el ", "il ", "w dniu", "dnia ", "den ",
];
const WROTE: [&str; 9] = [
    " wrote",
    " schrieb",
    " a écrit",
    " schreef",
    " escribió",
    " ha scritto",
    " napisał",
    " skrev",
    " kirjoitti",
];

/// `line` in lower case (as `str::to_lowercase`), written into `buffer`: ASCII lines, most of
/// them, without allocating.
fn lowercase_into<'b>(line: &str, buffer: &'b mut String) -> &'b str {
    buffer.clear();
    if line.is_ascii() {
        buffer.extend(line.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        // Char by char, into the buffer: `str::to_lowercase` would allocate a string per
        // line. They differ only on a word-final Greek `Σ` (`ς` there, `σ` here), and no
        // marker this module looks for is Greek.
        buffer.extend(line.chars().flat_map(char::to_lowercase));
    }
    buffer
}

/// Whether `line` (trimmed, not empty) starts quoted history; `next` is the next line, trimmed.
fn quote_header(line: &str, next: &str, lower: &mut String) -> bool {
    if line.len() > 160 {
        return false;
    }
    let lower = lowercase_into(line, lower);
    let bare = lower.trim_matches(|c: char| c == '-' || c == '_' || c == '=' || c.is_whitespace());
    if SEPARATORS
        .iter()
        .any(|s| bare.starts_with(s) || bare.ends_with(s))
        && (line.starts_with(['-', '_', '=']) || bare.len() < 40)
    {
        return true;
    }
    if lower.ends_with(':')
        && ATTRIBUTION_STARTS.iter().any(|a| lower.starts_with(a))
        && WROTE.iter().any(|w| lower.contains(w))
    {
        return true;
    }
    FROM_HEADERS.iter().any(|h| starts_with_ci(line, h))
        && NEXT_HEADERS.iter().any(|h| starts_with_ci(next, h))
}

/// Closing lines that start a signature, lower case, without trailing punctuation.
const CLOSINGS: [&str; 58] = [
    "best regards",
    "kind regards",
    "warm regards",
    "regards",
    "best wishes",
    "many thanks",
    "thanks",
    "thank you",
    "thx",
    "cheers",
    "br",
    "brgds",
    "yours sincerely",
    "sincerely",
    "mit freundlichen grüßen",
    "mit freundlichen grüssen",
    "mit freundlichem gruß",
    "freundliche grüße",
    "freundliche grüsse",
    "viele grüße",
    "viele grüsse",
    "beste grüße",
    "beste grüsse",
    "liebe grüße",
    "grüße",
    "gruß",
    "mfg",
    "vg",
    "cordialement",
    "bien cordialement",
    "bien à vous",
    "salutations",
    "meilleures salutations",
    "sincères salutations",
    "bonne journée",
    "met vriendelijke groet",
    "met vriendelijke groeten",
    "vriendelijke groet",
    "vriendelijke groeten",
    "groeten",
    "groet",
    "mvg",
    "saludos",
    "un saludo",
    "saludos cordiales",
    "atentamente",
    "cordiali saluti",
    "distinti saluti",
    "saluti",
    "un cordiale saluto",
    "pozdrawiam",
    "z poważaniem",
    "pozdrowienia",
    "serdecznie pozdrawiam",
    "z wyrazami szacunku",
    "vänliga hälsningar",
    "med vänlig hälsning",
    "med venlig hilsen",
];

/// Words that make a line a confidentiality disclaimer, with a word of mail or message.
const DISCLAIMER: [&str; 8] = [
    "confidential",
    "vertraulich",
    "confidentiel",
    "vertrouwelijk",
    "confidencial",
    "riservat",
    "poufn",
    "intended recipient",
];

/// Whether `line` (without its line end) starts a signature. Only the mail convention's
/// `-- ` with its space counts: a bare `--` often separates work notes.
fn signature_start(line: &str, lower: &mut String) -> bool {
    if line == "-- " {
        return true;
    }
    let line = line.trim();
    if line.len() <= 40 {
        let lower = lowercase_into(line, lower);
        let bare = lower.trim_end_matches([',', '.', '!', ' ']);
        if CLOSINGS.contains(&bare) {
            return true;
        }
    }
    if line.len() >= 60 {
        let lower = lowercase_into(line, lower);
        let mail = [
            "mail",
            "message",
            "nachricht",
            "bericht",
            "mensaje",
            "messaggio",
            "wiadomo",
        ];
        return DISCLAIMER.iter().any(|w| lower.contains(w))
            && mail.iter().any(|w| lower.contains(w))
            && (lower.contains("recipient")
                || lower.contains("empfänger")
                || lower.contains("destinataire")
                || lower.contains("geadresseerde")
                || lower.contains("destinatario")
                || lower.contains("adresat")
                || lower.contains("in error")
                || lower.contains("irrtümlich")
                || lower.contains("par erreur"));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text that is not ASCII is lowered into the buffer too: no allocation once it has grown.
    #[test]
    fn splitting_allocates_nothing_once_warm() {
        let text = "Bitte prüfen.\nGrüße\nJörg\n\nVon: Jörg Müller\nGesendet: Montag\nÜber";
        let (mut spans, mut lower) = (Vec::new(), String::new());
        split(text, &mut spans, &mut lower);
        let ((), n) = crate::alloc_count::allocations(|| {
            spans.clear();
            split(text, &mut spans, &mut lower)
        });
        assert_eq!(n, 0);
        assert!(spans.len() > 1, "{spans:?}");
    }

    fn zones(text: &str) -> Vec<(Zone, &str)> {
        let mut out = Vec::new();
        split(text, &mut out, &mut String::new());
        out.iter()
            .map(|s| (s.zone, &text[s.start..s.end]))
            .collect()
    }

    #[test]
    fn plain_text_is_one_body_span() {
        assert_eq!(
            zones("Host isolated, ticket closed."),
            [(Zone::Body, "Host isolated, ticket closed.")]
        );
        assert_eq!(zones(""), [(Zone::Body, "")]);
    }

    #[test]
    fn spans_cover_the_text_exactly() {
        let text = "See below.\r\n\r\n-----Original Message-----\r\nFrom: a@b.example\r\nhello\r\n";
        let z = zones(text);
        assert_eq!(z.iter().map(|(_, s)| *s).collect::<String>(), text);
        assert_eq!(z[0], (Zone::Body, "See below.\r\n\r\n"));
        assert_eq!(z[1].0, Zone::Quoted);
    }

    #[test]
    fn forward_headers_in_many_languages_start_quoted_history() {
        for header in [
            "From: Ann <ann@corp.example>\nSent: Monday, 3 November 2026 10:12\n",
            "Von: Müller, Jens\nGesendet: Montag, 3. November 2026 10:12\n",
            "De : Service informatique\nEnvoyé : lundi 3 novembre 2026 10:12\n",
            "Van: IT servicedesk\nVerzonden: maandag 3 november 2026 10:12\n",
            "De: Soporte\nEnviado el: lunes, 3 de noviembre de 2026 10:12\n",
            "Da: Ufficio IT\nInviato: lunedì 3 novembre 2026 10:12\n",
            "Od: Jan Kowalski\nWysłano: poniedziałek, 3 listopada 2026 10:12\n",
            "On Mon, 3 Nov 2026 at 10:12, Ann <ann@corp.example> wrote:\n",
            "Am 03.11.2026 um 10:12 schrieb Jens Müller:\n",
            "---------- Forwarded message ---------\n",
            "-------- Message transféré --------\n",
        ] {
            let text = format!("FYI, see the mail below.\n\n{header}please reset my password\n");
            let z = zones(&text);
            assert_eq!(z.len(), 2, "{header:?}: {z:?}");
            assert_eq!(z[1].0, Zone::Quoted, "{header:?}");
            assert!(z[1].1.ends_with("please reset my password\n"));
        }
    }

    #[test]
    fn a_from_line_alone_is_not_a_header_block() {
        let text = "From: the attacker's IP we saw 203.0.113.7\nthen lateral movement\n";
        assert!(zones(text).iter().all(|(z, _)| *z == Zone::Body));
    }

    #[test]
    fn angle_quoted_lines_are_quoted_and_the_reply_stays_body() {
        let text = "> Can you check the server?\n> Thanks\nDone: host isolated.\n";
        let z = zones(text);
        assert_eq!(
            z[0],
            (Zone::Quoted, "> Can you check the server?\n> Thanks\n")
        );
        assert_eq!(z[1], (Zone::Body, "Done: host isolated.\n"));
    }

    #[test]
    fn closings_and_disclaimers_start_a_signature_that_ends() {
        let text =
            "Please block the domain.\n\nMit freundlichen Grüßen\nJens Müller\nStadt Oberau\n";
        let z = zones(text);
        assert_eq!(z[0], (Zone::Body, "Please block the domain.\n\n"));
        assert_eq!(z[1].0, Zone::Signature);
        let disclaimer =
            "This e-mail and any attachments are confidential and intended solely for \
                          the addressee. If you are not the intended recipient, notify the sender.";
        let text = format!("Blocked.\n{disclaimer}\n");
        assert_eq!(zones(&text)[1].0, Zone::Signature);
        // A closing word in the middle of notes does not silence the rest for ever.
        let mut notes = String::from("Thanks,\n");
        for i in 0..SIGNATURE_LINES + 2 {
            notes.push_str(&format!("note {i}\n"));
        }
        let z = zones(&notes);
        assert_eq!(z.last().unwrap().0, Zone::Body);
    }

    #[test]
    fn quoted_lines_under_a_signature_are_quoted_and_a_bare_dash_line_is_no_signature() {
        let text = "Thanks,\nAnn\n> I found an XSS in the portal\n";
        assert_eq!(
            zones(text)[1],
            (Zone::Quoted, "> I found an XSS in the portal\n")
        );
        let notes = "10:02 host isolated\n--\n10:30 reimaged, closing\n";
        assert_eq!(zones(notes), [(Zone::Body, notes)]);
        let mail = "Please block it.\n-- \nAnn Example\n";
        assert_eq!(zones(mail)[1].0, Zone::Signature);
    }

    #[test]
    fn factors_pick_the_best_zone() {
        let f = ZoneFactors::default();
        assert_eq!(f.best(Zone::Quoted.bit() | Zone::Signature.bit()), 0.5);
        assert_eq!(f.best(Zone::Body.bit() | Zone::Quoted.bit()), 1.0);
        assert_eq!(f.best(Zone::Body.bit() | Zone::Title.bit()), 2.0);
        assert_eq!(f.best(0), 0.0);
        assert_eq!(
            f.best_zone(Zone::Quoted.bit() | Zone::Title.bit()),
            Some(Zone::Title)
        );
        assert_eq!(Zone::from_name("quoted"), Some(Zone::Quoted));
    }
}
