//! Text as the matcher compares it: words of letters or digits, folded (lowercase, diacritics
//! dropped, `đ` → `d`) and accented (lowercase, diacritics kept with the tone mark moved to the end
//! of the word, so "Hoá" and "Hóa", the old and new tone placements, are the same word).
//!
//! Hand-written rather than taken from a crate: what counts as a word, a unit-type prefix or an
//! abbreviation is specific to Vietnamese addresses; the Unicode work (NFD) is
//! `unicode-normalization`'s.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

/// The five Vietnamese tone marks (grave, acute, tilde, hook above, dot below) as combining
/// characters: moved to the end of their word in the accented form.
fn is_tone(c: char) -> bool {
    matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}')
}

/// The vowel marks (circumflex, breve, horn): kept where they are.
fn is_vowel_mark(c: char) -> bool {
    matches!(c, '\u{302}' | '\u{306}' | '\u{31B}')
}

/// One word of the text.
#[derive(Debug, Clone)]
pub(crate) struct Word {
    /// Byte range in [`Words::folded`].
    pub folded: Range<usize>,
    /// Byte range in [`Words::accented`].
    pub accented: Range<usize>,
    /// It has diacritics (or `đ`): its accented form says more than its folded one.
    pub marked: bool,
    /// A full stop follows it ("TP.", "Q."), which makes a letter an abbreviation.
    pub dotted: bool,
    /// The comma-separated part of the text it is in (0 first).
    pub part: u32,
}

/// A text cut into words. `folded` and `accented` hold the words' forms one after the other
/// without separators, so the key of any run of words is a slice: no allocation per look-up.
#[derive(Debug, Default, Clone)]
pub(crate) struct Words {
    pub folded: String,
    pub accented: String,
    pub words: Vec<Word>,
}

#[derive(PartialEq, Clone, Copy)]
enum Class {
    None,
    Letters,
    Digits,
}

/// The word being read.
struct Reader {
    out: Words,
    class: Class,
    start: (usize, usize),
    marked: bool,
    tones: String,
    part: u32,
}

impl Reader {
    fn finish(&mut self, dotted: bool) {
        if self.class == Class::None {
            return;
        }
        let w = &mut self.out;
        if self.class == Class::Digits {
            // Leading zeros go, one digit at least stays.
            let digits = &w.folded[self.start.0..];
            let trimmed = digits.trim_start_matches('0');
            let keep = if trimmed.is_empty() { "0" } else { trimmed }.to_owned();
            w.folded.truncate(self.start.0);
            w.folded.push_str(&keep);
            w.accented.truncate(self.start.1);
            w.accented.push_str(&keep);
        }
        w.accented.push_str(&self.tones);
        w.words.push(Word {
            folded: self.start.0..w.folded.len(),
            accented: self.start.1..w.accented.len(),
            marked: self.marked,
            dotted,
            part: self.part,
        });
        self.class = Class::None;
        self.marked = false;
        self.tones.clear();
    }

    fn push(&mut self, c: char) {
        if ('\u{300}'..='\u{36F}').contains(&c) {
            if self.class == Class::Letters {
                if is_tone(c) {
                    self.tones.push(c);
                    self.marked = true;
                } else if is_vowel_mark(c) {
                    self.out.accented.push(c);
                    self.marked = true;
                }
            }
            return;
        }
        let next = if c.is_ascii_digit() {
            Class::Digits
        } else if c.is_alphabetic() {
            Class::Letters
        } else {
            Class::None
        };
        if next != self.class {
            self.finish(c == '.');
        }
        if next == Class::None {
            if matches!(c, ',' | ';' | '|' | '\n' | '\r') {
                self.part += 1;
            }
            return;
        }
        if self.class == Class::None {
            self.start = (self.out.folded.len(), self.out.accented.len());
            self.class = next;
        }
        if c == 'đ' || c == 'Đ' {
            self.out.folded.push('d');
            self.out.accented.push('đ');
            self.marked = true;
        } else {
            for l in c.to_lowercase() {
                self.out.folded.push(l);
                self.out.accented.push(l);
            }
        }
    }
}

impl Words {
    /// Cuts `text` into words. Commas, semicolons, `|` and line breaks separate parts; a full
    /// stop ends a word and marks it; everything else that is not a letter or digit (spaces,
    /// hyphens, apostrophes, brackets) only separates words. A run of digits loses its leading
    /// zeros ("Phường 01" is "Phường 1"), and letters and digits never share a word ("P1").
    pub fn new(text: &str) -> Self {
        let mut r = Reader {
            out: Self::default(),
            class: Class::None,
            start: (0, 0),
            marked: false,
            tones: String::new(),
            part: 0,
        };
        for c in text.nfd() {
            r.push(c);
        }
        r.finish(false);
        r.out
    }

    /// The folded key of words `range`: their folded forms run together.
    pub fn folded_key(&self, range: Range<usize>) -> &str {
        match (self.words.get(range.start), range.end.checked_sub(1)) {
            (Some(first), Some(last)) if range.start < range.end => self
                .words
                .get(last)
                .map_or("", |l| &self.folded[first.folded.start..l.folded.end]),
            _ => "",
        }
    }

    /// The accented key of words `range`.
    pub fn accented_key(&self, range: Range<usize>) -> &str {
        match (self.words.get(range.start), range.end.checked_sub(1)) {
            (Some(first), Some(last)) if range.start < range.end => self
                .words
                .get(last)
                .map_or("", |l| &self.accented[first.accented.start..l.accented.end]),
            _ => "",
        }
    }

    /// Whether any word of `range` has diacritics.
    pub fn marked(&self, range: Range<usize>) -> bool {
        self.words
            .get(range)
            .is_some_and(|ws| ws.iter().any(|w| w.marked))
    }

    /// The folded form of one word.
    pub fn folded_word(&self, i: usize) -> &str {
        self.words
            .get(i)
            .map_or("", |w| &self.folded[w.folded.clone()])
    }

    /// The accented form of one word.
    pub fn accented_word(&self, i: usize) -> &str {
        self.words
            .get(i)
            .map_or("", |w| &self.accented[w.accented.clone()])
    }
}

/// The folded key of a whole text (a name from the tables, an ethnicity).
pub(crate) fn folded_key(text: &str) -> String {
    Words::new(text).folded
}

/// The accented key of a whole text.
pub(crate) fn accented_key(text: &str) -> String {
    Words::new(text).accented
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_parts_and_keys() {
        let w = Words::new("Số 012 Lê Lợi, P.Bến Thành,  Q1; TP.HCM");
        let folded: Vec<&str> = (0..w.words.len()).map(|i| w.folded_word(i)).collect();
        assert_eq!(
            folded,
            [
                "so", "12", "le", "loi", "p", "ben", "thanh", "q", "1", "tp", "hcm"
            ]
        );
        let parts: Vec<u32> = w.words.iter().map(|w| w.part).collect();
        assert_eq!(parts, [0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 3]);
        assert!(w.words[4].dotted && w.words[9].dotted && !w.words[7].dotted);
        assert_eq!(w.folded_key(5..7), "benthanh");
        assert!(w.marked(5..7) && !w.marked(7..9));
        assert_eq!(w.folded_key(3..3), "");
        assert_eq!(w.folded_key(10..20), "");
    }

    #[test]
    fn tone_placement_and_normal_forms_do_not_matter() {
        let nfc = accented_key("Thanh Hóa");
        assert_eq!(accented_key("Thanh Hoá"), nfc);
        assert_eq!(accented_key(&"THANH HÓA".nfd().collect::<String>()), nfc);
        assert_ne!(accented_key("Thanh Hòa"), nfc);
        assert_eq!(folded_key("Thanh Hòa"), "thanhhoa");
        assert_eq!(folded_key("Đắk Lắk"), "daklak");
        assert_ne!(accented_key("Văn Lang"), accented_key("Văn Lăng"));
        assert_eq!(folded_key("Văn Lang"), folded_key("Văn Lăng"));
        assert_eq!(folded_key("Ea H'Leo - 00"), "eahleo0");
        assert_eq!(folded_key("Ê-đê"), folded_key("Ê Đê"));
    }
}
