//! The named elliptic curves of eMRTD keys (SEC 2 for the NIST curves, RFC 5639 for
//! Brainpool), and their identification from a `namedCurve` OID (RFC 5480 §2.1.1) or from
//! explicit `ECParameters` (SEC 1 §C.2, BSI TR-03111 §5.1.1: the form most CSCAs, many document
//! signers and chips use).
//!
//! This is the one catalogue of curves in the workspace: the LDS parsers report a key's curve
//! with it, chip authentication picks its arithmetic by it, and signature verification accepts
//! the curves it has a verifier for.

use crate::ber::{self, Tlv};

/// A named curve seen on eMRTDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NamedCurve {
    /// NIST P-224 (secp224r1).
    P224,
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// brainpoolP224r1 (RFC 5639 §3.2).
    BrainpoolP224r1,
    /// brainpoolP256r1 (RFC 5639 §3.4).
    BrainpoolP256r1,
    /// brainpoolP320r1 (RFC 5639 §3.5).
    BrainpoolP320r1,
    /// brainpoolP384r1 (RFC 5639 §3.6).
    BrainpoolP384r1,
    /// brainpoolP512r1 (RFC 5639 §3.7).
    BrainpoolP512r1,
}

/// Why `ECParameters` name no curve of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CurveError {
    /// The parameters are not a valid `ECParameters` structure.
    #[error("malformed EC parameters: {0}")]
    Malformed(ber::Error),
    /// Well-formed parameters of a curve this catalogue does not hold (or a changed
    /// coefficient, generator or order: never accepted as "nearly" a named curve).
    #[error("unsupported EC parameters: {0}")]
    Unsupported(&'static str),
    /// A named curve's p, a, b and n with another base point: ECDH or ECDSA on "the same
    /// curve" would not be the named curve's.
    #[error("unsupported EC parameters: a named curve's with another base point")]
    AnotherBasePoint,
}

impl From<ber::Error> for CurveError {
    fn from(e: ber::Error) -> Self {
        Self::Malformed(e)
    }
}

/// Domain parameters of one curve: lowercase hex, big-endian, fixed length (generated from the
/// standards' values; the tests check each generator is on its curve's table entry).
struct Domain {
    curve: NamedCurve,
    name: &'static str,
    bits: u32,
    /// The OID's content bytes.
    oid: &'static str,
    p: &'static str,
    a: &'static str,
    b: &'static str,
    gx: &'static str,
    gy: &'static str,
    n: &'static str,
}

const DOMAINS: [Domain; 9] = [
    Domain {
        curve: NamedCurve::P224,
        name: "secp224r1",
        bits: 224,
        oid: "2b81040021",
        p: "ffffffffffffffffffffffffffffffff000000000000000000000001",
        a: "fffffffffffffffffffffffffffffffefffffffffffffffffffffffe",
        b: "b4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4",
        gx: "b70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21",
        gy: "bd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34",
        n: "ffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3d",
    },
    Domain {
        curve: NamedCurve::P256,
        name: "secp256r1",
        bits: 256,
        oid: "2a8648ce3d030107",
        p: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        a: "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
        b: "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
        gx: "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
        gy: "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        n: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
    },
    Domain {
        curve: NamedCurve::P384,
        name: "secp384r1",
        bits: 384,
        oid: "2b81040022",
        p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
        a: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc",
        b: "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
        gx: "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
        gy: "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
        n: "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
    },
    Domain {
        curve: NamedCurve::P521,
        name: "secp521r1",
        bits: 521,
        oid: "2b81040023",
        p: "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        a: "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc",
        b: "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
        gx: "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66",
        gy: "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
        n: "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
    },
    Domain {
        curve: NamedCurve::BrainpoolP224r1,
        name: "brainpoolP224r1",
        bits: 224,
        oid: "2b2403030208010105",
        p: "d7c134aa264366862a18302575d1d787b09f075797da89f57ec8c0ff",
        a: "68a5e62ca9ce6c1c299803a6c1530b514e182ad8b0042a59cad29f43",
        b: "2580f63ccfe44138870713b1a92369e33e2135d266dbb372386c400b",
        gx: "0d9029ad2c7e5cf4340823b2a87dc68c9e4ce3174c1e6efdee12c07d",
        gy: "58aa56f772c0726f24c6b89e4ecdac24354b9e99caa3f6d3761402cd",
        n: "d7c134aa264366862a18302575d0fb98d116bc4b6ddebca3a5a7939f",
    },
    Domain {
        curve: NamedCurve::BrainpoolP256r1,
        name: "brainpoolP256r1",
        bits: 256,
        oid: "2b2403030208010107",
        p: "a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377",
        a: "7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9",
        b: "26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6",
        gx: "8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262",
        gy: "547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997",
        n: "a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7",
    },
    Domain {
        curve: NamedCurve::BrainpoolP320r1,
        name: "brainpoolP320r1",
        bits: 320,
        oid: "2b2403030208010109",
        p: "d35e472036bc4fb7e13c785ed201e065f98fcfa6f6f40def4f92b9ec7893ec28fcd412b1f1b32e27",
        a: "3ee30b568fbab0f883ccebd46d3f3bb8a2a73513f5eb79da66190eb085ffa9f492f375a97d860eb4",
        b: "520883949dfdbc42d3ad198640688a6fe13f41349554b49acc31dccd884539816f5eb4ac8fb1f1a6",
        gx: "43bd7e9afb53d8b85289bcc48ee5bfe6f20137d10a087eb6e7871e2a10a599c710af8d0d39e20611",
        gy: "14fdd05545ec1cc8ab4093247f77275e0743ffed117182eaa9c77877aaac6ac7d35245d1692e8ee1",
        n: "d35e472036bc4fb7e13c785ed201e065f98fcfa5b68f12a32d482ec7ee8658e98691555b44c59311",
    },
    Domain {
        curve: NamedCurve::BrainpoolP384r1,
        name: "brainpoolP384r1",
        bits: 384,
        oid: "2b240303020801010b",
        p: "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53",
        a: "7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826",
        b: "04a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c11",
        gx: "1d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e",
        gy: "8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c5315",
        n: "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af6b7fc3103b883202e9046565",
    },
    Domain {
        curve: NamedCurve::BrainpoolP512r1,
        name: "brainpoolP512r1",
        bits: 512,
        oid: "2b240303020801010d",
        p: "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3",
        a: "7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca",
        b: "3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723",
        gx: "81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822",
        gy: "7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892",
        n: "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069",
    },
];

/// `id-ecPublicKey` 1.2.840.10045.2.1 (RFC 5480 §2.1.1), content bytes.
pub const ID_EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// `prime-field` 1.2.840.10045.1.1 (RFC 3279 §2.3.5), content bytes.
pub const PRIME_FIELD: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x01, 0x01];

fn strip(v: &[u8]) -> &[u8] {
    let i = v.iter().position(|&b| b != 0).unwrap_or(v.len());
    &v[i..]
}

/// `bytes` equals the hex value `table` as an integer (leading zero bytes ignored).
fn same(bytes: &[u8], table: &str) -> bool {
    hex::decode(table).is_ok_and(|t| strip(&t) == strip(bytes))
}

impl NamedCurve {
    /// Every curve of the catalogue.
    pub const ALL: [NamedCurve; 9] = [
        Self::P224,
        Self::P256,
        Self::P384,
        Self::P521,
        Self::BrainpoolP224r1,
        Self::BrainpoolP256r1,
        Self::BrainpoolP320r1,
        Self::BrainpoolP384r1,
        Self::BrainpoolP512r1,
    ];

    fn domain(self) -> &'static Domain {
        // Every variant has its row; the index keeps the lookup total without a panic path.
        let i = Self::ALL.iter().position(|c| *c == self).unwrap_or(0);
        &DOMAINS[i]
    }

    /// The curve a `namedCurve` OID (content bytes) names, if in the catalogue.
    pub fn from_oid(oid: &[u8]) -> Option<Self> {
        let hex_oid = hex::encode(oid);
        DOMAINS.iter().find(|d| d.oid == hex_oid).map(|d| d.curve)
    }

    /// The OID's content bytes.
    pub fn oid(self) -> Vec<u8> {
        hex::decode(self.domain().oid).unwrap_or_default()
    }

    /// The curve's name as in SEC 2 / RFC 5639 (`secp256r1`, `brainpoolP256r1`).
    pub fn name(self) -> &'static str {
        self.domain().name
    }

    /// The size of the field (and of the key) in bits.
    pub fn bits(self) -> u32 {
        self.domain().bits
    }

    /// Length in bytes of a field element (and of a scalar: equal for these curves).
    pub fn field_len(self) -> usize {
        self.domain().p.len() / 2
    }

    /// The generator `G` as an uncompressed SEC 1 point (`04 ‖ x ‖ y`).
    pub fn generator(self) -> Vec<u8> {
        let d = self.domain();
        let mut out = vec![0x04];
        out.extend(hex::decode(d.gx).unwrap_or_default());
        out.extend(hex::decode(d.gy).unwrap_or_default());
        out
    }

    /// Matches explicit `ECParameters` to the named curve whose p, a, b, G and n they equal.
    ///
    /// ```text
    /// ECParameters ::= SEQUENCE {
    ///    version   ECPVer,          -- ecpVer1(1)
    ///    fieldID   FieldID,         -- SEQUENCE { prime-field OID, p INTEGER }
    ///    curve     Curve,           -- SEQUENCE { a OCTET STRING, b OCTET STRING, seed BIT STRING OPTIONAL }
    ///    base      ECPoint,         -- OCTET STRING, compressed or uncompressed
    ///    order     INTEGER,
    ///    cofactor  INTEGER OPTIONAL }
    /// ```
    /// Anything else (another curve, a changed coefficient or generator, a cofactor other than
    /// 1, a characteristic-two field) is [`CurveError::Unsupported`]: a key is never used with
    /// parameters taken from the input. The structure must be DER-framed.
    pub fn from_explicit_parameters(params: &Tlv<'_>) -> Result<Self, CurveError> {
        if params.tag != 0x30 {
            return Err(params.err("ECParameters is not a SEQUENCE").into());
        }
        if !params.is_der_framed() {
            return Err(params.err("ECParameters is not DER").into());
        }
        let mut r = params.children();
        let version = r.expect(0x02, "ECParameters without a version")?;
        let field = r.expect(0x30, "ECParameters without a fieldID")?;
        let curve = r.expect(0x30, "ECParameters without a curve")?;
        let base = r.expect(0x04, "ECParameters without a base point")?;
        let order = r.expect(0x02, "ECParameters without an order")?;
        let cofactor = r.optional(0x02)?;
        r.finish("data after the cofactor of ECParameters")?;
        let mut f = field.children();
        let field_type = f.expect(0x06, "the fieldID has no fieldType")?;
        let prime = f.expect(0x02, "the fieldID has no prime")?;
        f.finish("data after the prime of the fieldID")?;
        let mut c = curve.children();
        let a = c.expect(0x04, "the curve has no coefficient a")?;
        let b = c.expect(0x04, "the curve has no coefficient b")?;
        c.optional(0x03)?;
        c.finish("data after the seed of the curve")?;
        if version.uint() != Some(1) {
            return Err(version.err("ECParameters version is not ecpVer1").into());
        }
        if field_type.value != PRIME_FIELD {
            return Err(CurveError::Unsupported("a field that is not a prime field"));
        }
        if cofactor.is_some_and(|h| h.uint() != Some(1)) {
            return Err(CurveError::Unsupported("a cofactor other than 1"));
        }
        for d in &DOMAINS {
            let same_curve = same(prime.value, d.p)
                && same(a.value, d.a)
                && same(b.value, d.b)
                && same(order.value, d.n);
            if !same_curve {
                continue;
            }
            let len = d.p.len() / 2;
            let x_ok = |x: &[u8]| hex::encode(x) == d.gx;
            let base_ok = match base.value {
                [0x04, xy @ ..] if xy.len() == 2 * len => {
                    x_ok(&xy[..len]) && hex::encode(&xy[len..]) == d.gy
                }
                [prefix @ (0x02 | 0x03), x @ ..] if x.len() == len => {
                    let y_odd = hex::decode(d.gy)
                        .ok()
                        .and_then(|y| y.last().copied())
                        .is_some_and(|last| last & 1 == 1);
                    x_ok(x) && (*prefix == 0x03) == y_odd
                }
                _ => false,
            };
            return if base_ok {
                Ok(d.curve)
            } else {
                Err(CurveError::AnotherBasePoint)
            };
        }
        Err(CurveError::Unsupported(
            "explicit EC parameters that match no named curve",
        ))
    }
}

#[cfg(test)]
mod tests;
