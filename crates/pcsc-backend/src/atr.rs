//! What an ATR says about the card, as far as a technician needs to know.

/// A decoded answer to reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtrInfo {
    /// The kind of card, in words.
    pub kind: CardKind,
    /// The historical bytes (for contactless cards: ATS historical bytes or ATQB data).
    pub historical_bytes: Vec<u8>,
}

/// The kinds of card a reader can report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardKind {
    /// An ISO/IEC 14443-4 contactless smart card, as PC/SC Part 3 §3.1.3.2.3 builds its ATR
    /// (`3B 8n 80 01 ... TCK`): what a CCCD is.
    ContactlessSmartCard,
    /// A contactless memory card (MIFARE Classic, Ultralight, FeliCa...): PC/SC Part 3
    /// §3.1.3.2.2 ATR with RID `A0 00 00 03 06`. Not an ID card.
    ContactlessStorageCard,
    /// A contact smart card (an ISO 7816-3 ATR of another form).
    ContactCard,
    /// Not a valid ATR.
    Invalid,
}

impl CardKind {
    /// The kind in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::ContactlessSmartCard => "contactless smart card (ISO 14443-4)",
            Self::ContactlessStorageCard => {
                "contactless memory card (MIFARE/FeliCa-like): not an ID card"
            }
            Self::ContactCard => "contact smart card",
            Self::Invalid => "not a valid ATR",
        }
    }
}

/// Decodes an ATR (ISO/IEC 7816-3 §8.2; PC/SC Part 3 §3.1.3.2 for contactless cards).
pub fn decode_atr(atr: &[u8]) -> AtrInfo {
    let invalid = AtrInfo {
        kind: CardKind::Invalid,
        historical_bytes: Vec::new(),
    };
    let (Some(&ts), Some(&t0)) = (atr.first(), atr.get(1)) else {
        return invalid;
    };
    if ts != 0x3B && ts != 0x3F {
        return invalid;
    }
    // Walk the interface bytes to find where the historical bytes start.
    let k = (t0 & 0x0F) as usize;
    let mut i = 2;
    let mut y = t0 >> 4;
    let mut protocols = Vec::new();
    loop {
        for bit in 0..4 {
            if y & (1 << bit) != 0 {
                i += 1;
            }
        }
        if y & 0x08 == 0 {
            break;
        }
        let Some(&td) = atr.get(i - 1) else {
            return invalid;
        };
        protocols.push(td & 0x0F);
        y = td >> 4;
    }
    let Some(historical) = atr.get(i..i + k) else {
        return invalid;
    };
    let needs_tck = protocols.iter().any(|p| *p != 0);
    if needs_tck && (atr.len() != i + k + 1 || atr[1..].iter().fold(0u8, |a, b| a ^ b) != 0) {
        return invalid;
    }
    let storage =
        historical.get(..8) == Some(&[0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06][..]);
    let kind = if storage {
        CardKind::ContactlessStorageCard
    } else if atr.get(..4) == Some(&[0x3B, 0x80 | t0 & 0x0F, 0x80, 0x01][..]) {
        CardKind::ContactlessSmartCard
    } else {
        CardKind::ContactCard
    };
    AtrInfo {
        kind,
        historical_bytes: historical.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    #[test]
    fn atr_kinds() {
        let sim = decode_atr(&h("3B888001000000000081817178"));
        assert_eq!(sim.kind, CardKind::ContactlessSmartCard);
        assert_eq!(sim.historical_bytes, h("0000000000818171"));
        // A MIFARE Classic 1K as PC/SC part 3 readers report it.
        assert_eq!(
            decode_atr(&h("3B8F8001804F0CA000000306030001000000006A")).kind,
            CardKind::ContactlessStorageCard
        );
        // A contact card (T=1) with its TCK.
        assert_eq!(
            decode_atr(&h("3BDB960080B1FE451F830031C064C7FC100001900074")).kind,
            CardKind::ContactCard
        );
        assert_eq!(
            decode_atr(&h("3B888001000000000081817179")).kind,
            CardKind::Invalid,
            "bad TCK"
        );
        assert_eq!(decode_atr(&h("3B88")).kind, CardKind::Invalid);
        assert_eq!(decode_atr(&[]).kind, CardKind::Invalid);
        assert_eq!(decode_atr(&h("0088")).kind, CardKind::Invalid);
    }
}
