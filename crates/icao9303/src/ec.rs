//! Elliptic-curve arithmetic for the key agreements of PACE (ICAO 9303-11 §4.4), chip
//! authentication (§6.2) and the ECDSA keys of Active Authentication (§6.1): the standardized
//! domain parameters this implementation computes on (§9.5.1), generic over RustCrypto's
//! `elliptic-curve` traits. Points cross this module's boundary as uncompressed SEC 1 bytes
//! (`04 ‖ x ‖ y`), the form the protocols transmit; keys as big-endian scalars.

use asn1::NamedCurve;
use elliptic_curve::group::{Curve as _, Group as _};
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use elliptic_curve::{
    AffinePoint, CurveArithmetic, FieldBytes, FieldBytesSize, PrimeField, ProjectivePoint, Scalar,
};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The standardized elliptic-curve domain parameters this implementation supports
/// (ICAO 9303-11 §9.5.1, table of standardized domain parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Curve {
    /// NIST P-256 (secp256r1), parameter ID 12.
    NistP256,
    /// brainpoolP256r1, parameter ID 13 (the CCCD's).
    BrainpoolP256r1,
    /// NIST P-384 (secp384r1), parameter ID 15.
    NistP384,
    /// brainpoolP384r1, parameter ID 16.
    BrainpoolP384r1,
}

impl Curve {
    /// The curve of a standardized parameter ID, if supported (0-2 are DH groups; 8-11, 14, 17
    /// and 18 are curves without a RustCrypto implementation or too small).
    pub fn from_parameter_id(id: u64) -> Option<Self> {
        match id {
            12 => Some(Self::NistP256),
            13 => Some(Self::BrainpoolP256r1),
            15 => Some(Self::NistP384),
            16 => Some(Self::BrainpoolP384r1),
            _ => None,
        }
    }

    /// The standardized parameter ID.
    pub fn parameter_id(self) -> u8 {
        match self {
            Self::NistP256 => 12,
            Self::BrainpoolP256r1 => 13,
            Self::NistP384 => 15,
            Self::BrainpoolP384r1 => 16,
        }
    }

    /// The curve in the catalogue of named curves.
    pub fn named(self) -> NamedCurve {
        match self {
            Self::NistP256 => NamedCurve::P256,
            Self::BrainpoolP256r1 => NamedCurve::BrainpoolP256r1,
            Self::NistP384 => NamedCurve::P384,
            Self::BrainpoolP384r1 => NamedCurve::BrainpoolP384r1,
        }
    }

    /// The curve of a named curve, when this implementation computes on it.
    pub fn from_named(curve: NamedCurve) -> Option<Self> {
        match curve {
            NamedCurve::P256 => Some(Self::NistP256),
            NamedCurve::BrainpoolP256r1 => Some(Self::BrainpoolP256r1),
            NamedCurve::P384 => Some(Self::NistP384),
            NamedCurve::BrainpoolP384r1 => Some(Self::BrainpoolP384r1),
            _ => None,
        }
    }

    /// Field element (and scalar) length in bytes.
    pub fn field_len(self) -> usize {
        match self {
            Self::NistP256 | Self::BrainpoolP256r1 => 32,
            Self::NistP384 | Self::BrainpoolP384r1 => 48,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Curve arithmetic, generic over RustCrypto curves.

trait PaceGroup: CurveArithmetic
where
    FieldBytesSize<Self>: ModulusSize,
    AffinePoint<Self>: FromSec1Point<Self> + ToSec1Point<Self>,
{
}

impl<C> PaceGroup for C
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
}

fn field_bytes<C: CurveArithmetic>(bytes: &[u8]) -> Option<FieldBytes<C>> {
    FieldBytes::<C>::try_from(bytes).ok()
}

/// A private key: a non-zero scalar below the group order, from big-endian bytes.
fn scalar<C: CurveArithmetic>(bytes: &[u8]) -> Result<Scalar<C>> {
    let repr = field_bytes::<C>(bytes).ok_or(Error::Malformed {
        what: "private key",
        why: "wrong length",
    })?;
    let s: Option<Scalar<C>> = Scalar::<C>::from_repr(repr).into();
    match s {
        Some(s) if !bool::from(elliptic_curve::Field::is_zero(&s)) => Ok(s),
        _ => Err(Error::Malformed {
            what: "private key",
            why: "zero or not below the group order",
        }),
    }
}

/// The nonce as a scalar: left-padded to the field length and reduced modulo the order (the
/// nonce may be as long as the field for AES-256 on a 256-bit curve).
fn nonce_scalar<C: CurveArithmetic>(s: &[u8], field_len: usize) -> Result<Scalar<C>> {
    if s.len() > field_len {
        return Err(Error::UnsupportedPace(
            "nonce longer than the curve's field",
        ));
    }
    let mut padded = Zeroizing::new(vec![0u8; field_len - s.len()]);
    padded.extend_from_slice(s);
    let repr = field_bytes::<C>(&padded).ok_or(Error::UnsupportedPace("nonce length"))?;
    Ok(<Scalar<C> as elliptic_curve::ops::Reduce<FieldBytes<C>>>::reduce(&repr))
}

/// Decodes a received point: uncompressed form only (the protocol's), on the curve, not the
/// identity. Invalid-curve and small-subgroup attacks start with such points.
fn decode_point<C: PaceGroup>(bytes: &[u8], step: &'static str) -> Result<AffinePoint<C>>
where
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    if bytes.first() != Some(&0x04) {
        return Err(Error::InvalidPoint(step));
    }
    let p = AffinePoint::<C>::from_sec1_bytes(bytes).map_err(|_| Error::InvalidPoint(step))?;
    if bool::from(ProjectivePoint::<C>::from(p).is_identity()) {
        return Err(Error::InvalidPoint(step));
    }
    Ok(p)
}

fn encode_point<C: PaceGroup>(p: &ProjectivePoint<C>, step: &'static str) -> Result<Vec<u8>>
where
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    if bool::from(p.is_identity()) {
        return Err(Error::InvalidPoint(step));
    }
    Ok(p.to_affine().to_sec1_point(false).as_bytes().to_vec())
}

/// `sk · base` (base `None` = the curve's generator G), uncompressed.
fn mul_point<C: PaceGroup>(base: Option<&[u8]>, sk: &[u8]) -> Result<Vec<u8>>
where
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let k = scalar::<C>(sk)?;
    let b = match base {
        None => ProjectivePoint::<C>::generator(),
        Some(b) => ProjectivePoint::<C>::from(decode_point::<C>(b, "key agreement")?),
    };
    encode_point::<C>(&(b * k), "key agreement")
}

/// `x(sk · pk)`: the ECDH shared secret, the x-coordinate as a field-length octet string
/// (ICAO 9303-11 §9.6, BSI TR-03111 ECKA).
fn ecdh_x<C: PaceGroup>(sk: &[u8], pk: &[u8], step: &'static str) -> Result<Zeroizing<Vec<u8>>>
where
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let k = scalar::<C>(sk)?;
    let p = ProjectivePoint::<C>::from(decode_point::<C>(pk, step)?) * k;
    if bool::from(p.is_identity()) {
        return Err(Error::InvalidPoint(step));
    }
    Ok(Zeroizing::new(p.to_affine().x().to_vec()))
}

/// Generic mapping `Ĝ = s·G + H` with `H = sk_map · pk_map_other` (§4.4.3.3.1).
fn map_generic<C: PaceGroup>(
    s: &[u8],
    sk_map: &[u8],
    pk_map_other: &[u8],
    field_len: usize,
) -> Result<Zeroizing<Vec<u8>>>
where
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let h = ProjectivePoint::<C>::from(decode_point::<C>(pk_map_other, "mapping")?)
        * scalar::<C>(sk_map)?;
    if bool::from(h.is_identity()) {
        return Err(Error::InvalidPoint("mapping"));
    }
    let g_hat = ProjectivePoint::<C>::generator() * nonce_scalar::<C>(s, field_len)? + h;
    Ok(Zeroizing::new(encode_point::<C>(&g_hat, "mapping")?))
}

/// Rejection sampling of a private key: field-length random bytes until they form a non-zero
/// scalar below the order. Replaying the worked examples needs exactly this draw pattern.
fn random_scalar_bytes<C: CurveArithmetic>(
    rng: &mut (impl CryptoRng + ?Sized),
    field_len: usize,
) -> Zeroizing<Vec<u8>> {
    loop {
        let mut b = Zeroizing::new(vec![0u8; field_len]);
        rng.fill_bytes(&mut b);
        if scalar::<C>(&b).is_ok() {
            return b;
        }
    }
}

macro_rules! with_curve {
    ($curve:expr, $f:ident ( $($arg:expr),* )) => {
        match $curve {
            Curve::NistP256 => $f::<p256::NistP256>($($arg),*),
            Curve::BrainpoolP256r1 => $f::<bp256::BrainpoolP256r1>($($arg),*),
            Curve::NistP384 => $f::<p384::NistP384>($($arg),*),
            Curve::BrainpoolP384r1 => $f::<bp384::BrainpoolP384r1>($($arg),*),
        }
    };
}

/// A fresh private key for `curve` (big-endian, field length), drawn from `rng`: the mapping
/// and ephemeral keys of PACE (ICAO 9303-11 §4.4.3.3), the terminal's ephemeral key of chip
/// authentication (§6.2).
pub fn random_private_key(curve: Curve, rng: &mut (impl CryptoRng + ?Sized)) -> Zeroizing<Vec<u8>> {
    let n = curve.field_len();
    with_curve!(curve, random_scalar_bytes(rng, n))
}

/// The public key `sk · generator` (uncompressed), with `generator` `None` for the curve's G
/// (mapping keys, ICAO 9303-11 §4.4.3.3.1; static and CA keys, §6.2) or the mapped generator `Ĝ`
/// (ephemeral keys, §4.4.3.3.2).
pub fn public_key(curve: Curve, generator: Option<&[u8]>, sk: &[u8]) -> Result<Vec<u8>> {
    with_curve!(curve, mul_point(generator, sk))
}

/// The generic mapping of ICAO 9303-11 §4.4.3.3.1: `Ĝ = s·G + sk_map·PK_map(other)`, with the
/// other side's mapping key validated. Both sides compute the same `Ĝ`.
pub fn generic_mapping(
    curve: Curve,
    nonce: &[u8],
    sk_map: &[u8],
    pk_map_other: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let n = curve.field_len();
    with_curve!(curve, map_generic(nonce, sk_map, pk_map_other, n))
}

/// The ECDH shared secret `K = x(sk · PK(other))` (ICAO 9303-11 §4.4.3.3.2), with the other
/// side's key validated.
pub fn shared_secret(curve: Curve, sk: &[u8], pk_other: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    with_curve!(curve, ecdh_x(sk, pk_other, "key agreement"))
}

/// Validates a received point for `curve` (uncompressed, on the curve, not the identity): what
/// each side checks of the other's public keys before using them (ICAO 9303-11 §4.4.3.3, §6.2).
pub fn validate_point(curve: Curve, point: &[u8]) -> Result<()> {
    with_curve!(curve, check_point(point))
}

fn check_point<C: PaceGroup>(bytes: &[u8]) -> Result<()>
where
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    decode_point::<C>(bytes, "key agreement").map(|_| ())
}
