#![allow(clippy::unwrap_used)]
use super::*;
use crate::ber::parse_one;
use crate::write::{tlv, unsigned_integer};

/// Explicit `ECParameters` for `curve` from the table, with `edit` applied to (p, a, b, G, n).
fn explicit(curve: NamedCurve, compressed: bool, edit: impl Fn(&mut [Vec<u8>; 5])) -> Vec<u8> {
    let d = curve.domain();
    let h = |s: &str| hex::decode(s).unwrap();
    let mut g = if compressed {
        let y = h(d.gy);
        [vec![0x02 | (y[y.len() - 1] & 1)], h(d.gx)].concat()
    } else {
        curve.generator()
    };
    let mut parts = [h(d.p), h(d.a), h(d.b), std::mem::take(&mut g), h(d.n)];
    edit(&mut parts);
    let [p, a, b, g, n] = parts;
    let int = |v: &[u8]| {
        let mut c = v.to_vec();
        if c.first().is_some_and(|x| x & 0x80 != 0) {
            c.insert(0, 0);
        }
        tlv(0x02, &c)
    };
    let field = tlv(0x30, &[tlv(0x06, PRIME_FIELD), int(&p)].concat());
    let coefficients = tlv(0x30, &[tlv(0x04, &a), tlv(0x04, &b)].concat());
    tlv(
        0x30,
        &[
            unsigned_integer(1),
            field,
            coefficients,
            tlv(0x04, &g),
            int(&n),
            unsigned_integer(1),
        ]
        .concat(),
    )
}

fn identify(der: &[u8]) -> Result<NamedCurve, CurveError> {
    NamedCurve::from_explicit_parameters(&parse_one(der).unwrap())
}

#[test]
fn every_curve_is_found_by_oid_and_by_its_parameters() {
    for c in NamedCurve::ALL {
        assert_eq!(NamedCurve::from_oid(&c.oid()), Some(c), "{c:?}");
        assert_eq!(identify(&explicit(c, false, |_| {})), Ok(c), "{c:?}");
        assert_eq!(
            identify(&explicit(c, true, |_| {})),
            Ok(c),
            "{c:?} compressed G"
        );
        assert_eq!(c.generator().len(), 1 + 2 * c.field_len());
        assert!(c.bits() as usize <= c.field_len() * 8);
    }
    assert_eq!(NamedCurve::P521.field_len(), 66);
    assert_eq!(NamedCurve::BrainpoolP256r1.name(), "brainpoolP256r1");
    assert_eq!(NamedCurve::from_oid(&[0x2B, 0x81, 0x04, 0x00, 0x99]), None);
}

#[test]
fn nearly_a_named_curve_is_not_one() {
    let c = NamedCurve::BrainpoolP256r1;
    let flip = |i: usize| {
        move |parts: &mut [Vec<u8>; 5]| {
            let last = parts[i].len() - 1;
            parts[i][last] ^= 1;
        }
    };
    for i in [0, 1, 2, 4] {
        assert!(
            matches!(
                identify(&explicit(c, false, flip(i))),
                Err(CurveError::Unsupported(_))
            ),
            "changed part {i}"
        );
    }
    assert_eq!(
        identify(&explicit(c, false, flip(3))),
        Err(CurveError::AnotherBasePoint)
    );
    // Leading zero bytes do not change an integer.
    let padded = explicit(c, false, |parts| parts[1].insert(0, 0));
    assert_eq!(identify(&padded), Ok(c));
    // A cofactor other than 1.
    let mut four = explicit(c, false, |_| {});
    let last = four.len() - 1;
    four[last] = 4;
    assert_eq!(
        identify(&four),
        Err(CurveError::Unsupported("a cofactor other than 1"))
    );
}

#[test]
fn malformed_parameters() {
    assert!(matches!(
        identify(&[0x30, 0x00]),
        Err(CurveError::Malformed(_))
    ));
    assert!(matches!(
        identify(&tlv(0x04, &[1])),
        Err(CurveError::Malformed(_))
    ));
    // Not DER: a long-form length where the short one fits.
    let der = explicit(NamedCurve::P256, false, |_| {});
    let mut ber = vec![0x30, 0x82];
    ber.extend(((der.len() - 3) as u16).to_be_bytes());
    ber.extend(&der[3..]);
    assert_eq!(der[1], 0x81, "the DER form this test relies on");
    assert!(matches!(identify(&ber), Err(CurveError::Malformed(_))));
}

/// brainpoolP384r1 with explicit parameters as OpenSSL writes them (`openssl ec -param_enc
/// explicit`), so not built by this crate's writer.
#[test]
fn openssl_explicit_brainpool_p384r1() {
    let spki = hex::decode("308201b53082014d06072a8648ce3d020130820140020101303c06072a8648ce3d01010231008cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53306404307bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826043004a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c110461041d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c53150231008cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af6b7fc3103b883202e9046565020101036200044c8585a16e848dee3c05338e5e9df86d4ee3b15aae86116d125feffab2cd38ce0acbcf4daeafc2ccfd0bf47f1d98e4951503c4c9e9d74befe928885b0fd966099d2360a53dfcd1afab79f8ea8f44f80fcc5be60b552a69fe2b590a77722e9b4a").unwrap();
    let key = crate::spki::SubjectPublicKeyInfo::from_bytes(&spki).unwrap();
    assert!(key.is_ec());
    assert_eq!(key.ec_curve(), Ok((NamedCurve::BrainpoolP384r1, true)));
    assert_eq!(key.public_key.len(), 97);
}
