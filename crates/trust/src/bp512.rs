//! brainpoolP512r1 (RFC 5639 §3.7) on RustCrypto's generic prime-order curve machinery.
//!
//! # Why this approach
//! RustCrypto publishes `bp256` and `bp384` but no crate for brainpoolP512r1, and Vietnam's
//! CSCA ("CSCA ePassport Vietnam", in the German master list) signs with ECDSA-SHA512 on exactly
//! this curve. The alternatives were:
//! - *OpenSSL bindings*: rejected, the project is pure Rust and must build without a C toolchain.
//! - *A hand-written big-integer ECDSA verifier*: small, but every line of field and point
//!   arithmetic would be new, untested code in the one place where a bug silently turns a
//!   forgery into "valid".
//! - *An unmaintained third-party brainpool crate*: an extra, unreviewed dependency with its own
//!   `elliptic-curve` generation.
//! - *This module*: the same construction `bp256`/`bp384` use, minus the fiat-crypto backends:
//!   [`primefield`]'s Montgomery field elements over `crypto-bigint`'s `U512` for the base and
//!   scalar fields, [`primeorder`]'s complete projective formulas (Renes–Costello–Batina, generic
//!   `a`) for the group law, and the [`ecdsa`] crate's verifier. Only the curve constants below
//!   are ours; they are checked by tests (generator on the curve, `n·G = O`) and against the
//!   whole Wycheproof `ecdsa_brainpoolP512r1_sha512_test.json` file.
//!
//! The cost is speed: `crypto-bigint`'s generic Montgomery multiplication is slower than
//! fiat-crypto's specialised code, which matters little for verification (a few ms).
//!
//! Verification only: nothing here handles secret scalars.

use ecdsa::EcdsaCurve;
use elliptic_curve::{
    Curve, CurveArithmetic, PrimeCurve, PrimeCurveArithmetic,
    bigint::{Odd, U512},
    consts::U64,
    hazmat::FieldArithmetic,
    point::PointCompression,
};
use primeorder::{PrimeCurveParams, mul_backend, point_arithmetic};

/// Field prime `p` of brainpoolP512r1 (RFC 5639 §3.7).
const MODULUS_HEX: &str = "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3";
/// Group order `q` of brainpoolP512r1 (RFC 5639 §3.7); the cofactor is 1.
const ORDER_HEX: &str = "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069";
const ORDER: Odd<U512> = Odd::<U512>::from_be_hex(ORDER_HEX);

pub use field::FieldElement;
pub use scalar::Scalar;

/// The base field GF(p).
mod field {
    // The macros call a crypto-bigint method deprecated after primefield 0.14 was released.
    #![allow(missing_docs, deprecated)]
    use super::{MODULUS_HEX, U512};
    use elliptic_curve::{
        ff::PrimeField,
        ops::BatchInvert,
        subtle::{Choice, ConstantTimeEq, CtOption},
    };

    // `multiplicative_generator` must be a quadratic non-residue (ff's square root, used when
    // decompressing points, derives its 2^s-th root of unity from it): 2 is the smallest one
    // modulo p, 7 the smallest modulo q (Euler's criterion, checked by `primefield`'s tests below).
    primefield::monty_field_params! {
        name: FieldParams,
        modulus: MODULUS_HEX,
        uint: U512,
        byte_order: primefield::ByteOrder::BigEndian,
        multiplicative_generator: 2,
        doc: "Montgomery parameters for brainpoolP512r1's field modulus p"
    }

    primefield::monty_field_element! {
        name: FieldElement,
        params: FieldParams,
        uint: U512,
        doc: "Element of brainpoolP512r1's base field modulo p"
    }

    primefield::monty_field_arithmetic! {
        name: FieldElement,
        params: FieldParams,
        uint: U512
    }

    impl BatchInvert for FieldElement {}
}

/// The scalar field GF(q).
mod scalar {
    #![allow(missing_docs, deprecated)]
    use super::{BrainpoolP512r1, ORDER, ORDER_HEX, U512};
    use elliptic_curve::{
        ff::PrimeField,
        scalar::{FromUintUnchecked, IsHigh},
        subtle::{Choice, ConstantTimeEq, ConstantTimeGreater, CtOption},
    };
    use primeorder::wnaf;

    primefield::monty_field_params! {
        name: ScalarParams,
        modulus: ORDER_HEX,
        uint: U512,
        byte_order: primefield::ByteOrder::BigEndian,
        multiplicative_generator: 7,
        doc: "Montgomery parameters for brainpoolP512r1's group order q"
    }

    primefield::monty_field_element! {
        name: Scalar,
        params: ScalarParams,
        uint: U512,
        doc: "Element of brainpoolP512r1's scalar field modulo q"
    }

    primefield::monty_field_arithmetic! {
        name: Scalar,
        params: ScalarParams,
        uint: U512
    }

    primefield::monty_field_reduce! {
        name: Scalar,
        params: ScalarParams,
        uint: U512,
    }

    elliptic_curve::scalar_impls!(BrainpoolP512r1, Scalar);
    wnaf::impl_wnaf_size_for_scalar!(Scalar);

    impl AsRef<Scalar> for Scalar {
        fn as_ref(&self) -> &Scalar {
            self
        }
    }

    impl FromUintUnchecked for Scalar {
        type Uint = U512;

        fn from_uint_unchecked(uint: Self::Uint) -> Self {
            Self::from_uint_unchecked(uint)
        }
    }

    impl IsHigh for Scalar {
        fn is_high(&self) -> Choice {
            const MODULUS_SHR1: U512 = ORDER.as_ref().shr_vartime(1);
            self.to_canonical().ct_gt(&MODULUS_SHR1)
        }
    }
}

/// brainpoolP512r1, OID 1.3.36.3.3.2.8.1.1.13 (RFC 5639 §3.7):
/// `y² = x³ + a·x + b` over GF(p), prime order q, cofactor 1.
#[derive(Copy, Clone, Debug, Default, Eq, PartialEq, PartialOrd, Ord)]
pub struct BrainpoolP512r1;

impl Curve for BrainpoolP512r1 {
    type FieldBytesSize = U64;
    type Uint = U512;
    const ORDER: Odd<U512> = ORDER;
}

impl PrimeCurve for BrainpoolP512r1 {}

impl PointCompression for BrainpoolP512r1 {
    const COMPRESS_POINTS: bool = false;
}

impl CurveArithmetic for BrainpoolP512r1 {
    type AffinePoint = primeorder::AffinePoint<BrainpoolP512r1>;
    type ProjectivePoint = primeorder::ProjectivePoint<BrainpoolP512r1>;
    type Scalar = Scalar;
}

impl FieldArithmetic for BrainpoolP512r1 {
    type FieldElement = FieldElement;
}

impl PrimeCurveArithmetic for BrainpoolP512r1 {
    type CurveGroup = primeorder::ProjectivePoint<BrainpoolP512r1>;
}

impl PrimeCurveParams for BrainpoolP512r1 {
    // Brainpool curves have a generic `a` (not -3), so the generic complete formulas apply.
    type PointArithmetic = point_arithmetic::EquationAIsGeneric;
    // Variable-base, variable-time multiplication is fine: verification handles public data only.
    type Backend = mul_backend::VariableOnly;

    const EQUATION_A: FieldElement = FieldElement::from_hex_vartime(
        "7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca",
    );
    const EQUATION_B: FieldElement = FieldElement::from_hex_vartime(
        "3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723",
    );
    const GENERATOR: (FieldElement, FieldElement) = (
        FieldElement::from_hex_vartime(
            "81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822",
        ),
        FieldElement::from_hex_vartime(
            "7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892",
        ),
    );
}

impl EcdsaCurve for BrainpoolP512r1 {
    // Brainpool ECDSA (like X9.62) accepts both s and n - s; only secp256k1 normalises.
    const NORMALIZE_S: bool = false;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::{BrainpoolP512r1, FieldElement, Scalar, U512};
    use elliptic_curve::{Group, PrimeField, point::AffineCoordinates};

    primefield::test_primefield!(FieldElement, U512);

    mod scalar {
        use super::{Scalar, U512};
        primefield::test_primefield!(Scalar, U512);
    }

    type Projective = primeorder::ProjectivePoint<BrainpoolP512r1>;

    #[test]
    fn generator_has_order_q() {
        let g = Projective::generator();
        // q·G = O, and (q-1)·G = -G: the constants describe a group of order q.
        let q_minus_1 = -Scalar::ONE;
        assert_eq!(g * q_minus_1, -g);
        assert_eq!(g * q_minus_1 + g, Projective::IDENTITY);
        assert!(!bool::from(g.is_identity()));
        let affine = primeorder::AffinePoint::<BrainpoolP512r1>::GENERATOR;
        assert_eq!(
            hex::encode(affine.x()),
            "81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822"
        );
        let _ = FieldElement::from_repr(affine.x()).unwrap();
    }
}
