//! The date grammar: one left-to-right pass over the tokens of a value, reading a date
//! (ISO, numeric day/month in the column's order, with a month name, ctime), an optional time
//! with AM/PM, and an optional zone converted to UTC.

use chrono::{NaiveDateTime, NaiveTime};

use super::tokens::{Tok, Toks};
use super::{ymd, DateKind, DateOrder};

/// A reading position in a token list.
pub(super) struct Cursor<'t> {
    pub(super) toks: &'t Toks,
    pub(super) at: usize,
}

impl Cursor<'_> {
    pub(super) fn peek(&self) -> Option<Tok> {
        (self.at < self.toks.len).then(|| self.toks.items[self.at])
    }

    fn peek_at(&self, ahead: usize) -> Option<Tok> {
        let i = self.at + ahead;
        (i < self.toks.len).then(|| self.toks.items[i])
    }

    pub(super) fn bump(&mut self) -> Option<Tok> {
        let tok = self.peek()?;
        self.at += 1;
        Some(tok)
    }

    pub(super) fn eat(&mut self, tok: Tok) -> bool {
        if self.peek() == Some(tok) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn skip_spaces(&mut self) {
        while self.eat(Tok::Space) {}
    }

    fn num(&mut self) -> Option<(u64, u8)> {
        match self.bump()? {
            Tok::Num(n, len) => Some((n, len)),
            _ => None,
        }
    }

    /// Reads a whole date-time value.
    pub(super) fn datetime(mut self, order: DateOrder) -> Option<(NaiveDateTime, DateKind)> {
        self.skip_spaces();
        let mut weekday = false;
        if self.eat(Tok::Weekday) {
            weekday = true;
            self.eat(Tok::Sep(b','));
            self.eat(Tok::Sep(b'.'));
            self.skip_spaces();
        }
        let (y, m, d, mut kind, year_after_time) = self.date_part(order)?;
        let (time, offset) = self.time_part()?;
        let y = match year_after_time {
            false => y,
            true => {
                self.skip_spaces();
                let (y, len) = self.num()?;
                if len != 4 {
                    return None;
                }
                y
            }
        };
        self.skip_spaces();
        if self.peek().is_some() {
            return None;
        }
        if weekday && kind == DateKind::DayMonthName {
            kind = DateKind::Rfc2822;
        }
        let date = ymd(y as i64, m as i64, d as i64)?;
        let mut dt = date.and_time(time.unwrap_or(NaiveTime::MIN));
        if let Some(offset) = offset {
            dt = dt.checked_sub_signed(chrono::Duration::seconds(offset))?;
            if kind == DateKind::Iso {
                kind = DateKind::IsoOffset;
            }
        }
        Some((dt, kind))
    }

    /// Reads the date; returns year, month, day, kind and whether the year comes after the time
    /// (ctime), in which case the year returned is 0.
    fn date_part(&mut self, order: DateOrder) -> Option<(u64, u64, u64, DateKind, bool)> {
        match self.bump()? {
            Tok::Num(y, 4) => {
                // 2024-03-12, 2024/03/12, 2024.03.12
                let sep = self.bump()?;
                let Tok::Sep(s @ (b'-' | b'/' | b'.')) = sep else {
                    return None;
                };
                let (m, _) = self.num()?;
                if self.bump()? != Tok::Sep(s) {
                    return None;
                }
                let (d, dlen) = self.num()?;
                (dlen <= 2).then_some((y, m, d, DateKind::Iso, false))
            }
            Tok::Num(a, 1 | 2) => {
                let sep = self.bump()?;
                let sep_byte = match sep {
                    Tok::Sep(s @ (b'-' | b'/' | b'.')) => s,
                    Tok::Space => b' ',
                    _ => return None,
                };
                self.skip_spaces();
                match self.bump()? {
                    Tok::Month(m) => {
                        // 12/Mar/24, 12-Mar-2024, 12 Mar 2024, 12. März 2024
                        self.eat(Tok::Sep(b'.'));
                        match self.bump()? {
                            Tok::Sep(b'-' | b'/' | b'.') | Tok::Space => {}
                            _ => return None,
                        }
                        self.skip_spaces();
                        let (y, ylen) = self.num()?;
                        let y = full_year(y, ylen)?;
                        Some((y, u64::from(m), a, DateKind::DayMonthName, false))
                    }
                    Tok::Num(b, 1 | 2) if sep_byte != b' ' => {
                        if self.bump()? != Tok::Sep(sep_byte) {
                            return None;
                        }
                        let (y, ylen) = self.num()?;
                        let y = full_year(y, ylen)?;
                        let (d, m, kind) = match order {
                            DateOrder::DayFirst => (a, b, DateKind::DayFirst),
                            DateOrder::MonthFirst => (b, a, DateKind::MonthFirst),
                        };
                        Some((y, m, d, kind, false))
                    }
                    _ => None,
                }
            }
            Tok::Month(m) => {
                // Mar 12, 2024 [3:04 PM]  or  Mar 12 15:04:05 2024 (ctime)
                self.skip_spaces();
                let (d, dlen) = self.num()?;
                if dlen > 2 {
                    return None;
                }
                self.eat(Tok::Sep(b','));
                self.skip_spaces();
                match (self.peek(), self.peek_at(1)) {
                    (Some(Tok::Num(y, 4)), next) if next != Some(Tok::Sep(b':')) => {
                        self.at += 1;
                        Some((y, u64::from(m), d, DateKind::MonthNameDay, false))
                    }
                    _ => Some((0, u64::from(m), d, DateKind::Ctime, true)),
                }
            }
            _ => None,
        }
    }

    /// Reads an optional time and zone after the date: `[T| ]15:04[:05[.123]] [AM|PM] [Z|±hh:mm]`.
    #[allow(clippy::type_complexity)]
    fn time_part(&mut self) -> Option<(Option<NaiveTime>, Option<i64>)> {
        let save = self.at;
        self.eat(Tok::Sep(b','));
        if !self.eat(Tok::T) {
            self.skip_spaces();
        }
        let Some(Tok::Num(h, 1 | 2)) = self.peek() else {
            self.at = save;
            return Some((None, None));
        };
        if self.peek_at(1) != Some(Tok::Sep(b':')) {
            self.at = save;
            return Some((None, None));
        }
        self.at += 2;
        let (min, mlen) = self.num()?;
        if mlen != 2 {
            return None;
        }
        let mut sec = 0;
        let mut nanos = 0;
        if self.eat(Tok::Sep(b':')) {
            let (s, slen) = self.num()?;
            if slen != 2 {
                return None;
            }
            sec = s;
            if matches!(self.peek(), Some(Tok::Sep(b'.' | b','))) {
                if let Some(Tok::Num(frac, flen)) = self.peek_at(1) {
                    self.at += 2;
                    nanos = scale_nanos(frac, flen);
                }
            }
        }
        let mut hour = h;
        let save = self.at;
        self.skip_spaces();
        match self.peek() {
            Some(Tok::Am) => {
                self.at += 1;
                hour = match h {
                    12 => 0,
                    1..=11 => h,
                    _ => return None,
                };
            }
            Some(Tok::Pm) => {
                self.at += 1;
                hour = match h {
                    12 => 12,
                    1..=11 => h + 12,
                    _ => return None,
                };
            }
            _ => self.at = save,
        }
        let time = NaiveTime::from_hms_nano_opt(hour as u32, min as u32, sec as u32, nanos)?;
        let offset = self.zone()?;
        Some((Some(time), offset))
    }

    /// Reads an optional zone: `Z`, `UTC`, `GMT`, `+01:00`, `+0100`, `-05`. Outer `None` is an
    /// error (a sign not followed by an offset).
    fn zone(&mut self) -> Option<Option<i64>> {
        let save = self.at;
        self.skip_spaces();
        match self.peek() {
            Some(Tok::Utc) => {
                self.at += 1;
                Some(Some(0))
            }
            Some(Tok::Sep(sign @ (b'+' | b'-'))) => {
                self.at += 1;
                let (n, len) = self.num()?;
                let (h, m) = match len {
                    2 if self.eat(Tok::Sep(b':')) => {
                        let (m, mlen) = self.num()?;
                        if mlen != 2 {
                            return None;
                        }
                        (n, m)
                    }
                    2 => (n, 0),
                    4 => (n / 100, n % 100),
                    _ => return None,
                };
                if h > 23 || m > 59 {
                    return None;
                }
                let secs = (h * 3600 + m * 60) as i64;
                Some(Some(if sign == b'-' { -secs } else { secs }))
            }
            _ => {
                self.at = save;
                Some(None)
            }
        }
    }
}

fn scale_nanos(frac: u64, len: u8) -> u32 {
    let len = u32::from(len);
    let nanos = if len <= 9 {
        frac * 10u64.pow(9 - len)
    } else {
        frac / 10u64.pow(len - 9)
    };
    nanos as u32
}

/// `24` -> 2024, `75` -> 1975 (the pivot Excel and Python use, roughly); 4 digits as is.
fn full_year(y: u64, len: u8) -> Option<u64> {
    match len {
        2 if y < 70 => Some(2000 + y),
        2 => Some(1900 + y),
        4 => Some(y),
        _ => None,
    }
}
