//! EF.SOD, the Document Security Object (ICAO 9303-10 §4.6.2; 9303-12 §4.6; RFC 5652).
//!
//! ```text
//! 77 L                                          EF.SOD template
//!    ContentInfo ::= SEQUENCE {
//!        contentType  OBJECT IDENTIFIER,         -- id-signedData 1.2.840.113549.1.7.2
//!        content      [0] EXPLICIT SignedData }
//!    SignedData ::= SEQUENCE {                   -- RFC 5652 §5.1
//!        version           CMSVersion,
//!        digestAlgorithms  SET OF DigestAlgorithmIdentifier,
//!        encapContentInfo  EncapsulatedContentInfo,
//!        certificates      [0] IMPLICIT CertificateSet OPTIONAL,
//!        crls              [1] IMPLICIT RevocationInfoChoices OPTIONAL,
//!        signerInfos       SET OF SignerInfo }
//!    EncapsulatedContentInfo ::= SEQUENCE {
//!        eContentType  OBJECT IDENTIFIER,        -- id-icao-mrtd-security-ldsSecurityObject
//!        eContent      [0] EXPLICIT OCTET STRING OPTIONAL }
//!    SignerInfo ::= SEQUENCE {                   -- RFC 5652 §5.3
//!        version, sid SignerIdentifier, digestAlgorithm,
//!        signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
//!        signatureAlgorithm, signature OCTET STRING,
//!        unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
//!    LDSSecurityObject ::= SEQUENCE {            -- ICAO 9303-10 §4.6.2.2
//!        version              LDSSecurityObjectVersion,   -- v0(0), v1(1)
//!        hashAlgorithm        DigestAlgorithmIdentifier,
//!        dataGroupHashValues  SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash,
//!        ldsVersionInfo       LDSVersionInfo OPTIONAL }  -- present only in v1
//!    DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER (1..16), dataGroupHashValue OCTET STRING }
//!    LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString }
//! ```
//!
//! BER is accepted (indefinite lengths, constructed OCTET STRING for the eContent), since
//! real documents use it (the New Zealand samples). Nothing is verified here: the signed
//! attributes, signature and certificates are exposed as slices of the input, exactly as
//! received, because re-encoding them would break the signature.

use std::borrow::Cow;

use super::ber::{Reader, Tlv, octet_string};
use super::outer;
use crate::card_access::oid_to_string;
use crate::error::Result;
use crate::read::LdsFile;

const FILE: LdsFile = LdsFile::Sod;

/// id-signedData (1.2.840.113549.1.7.2).
const OID_SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
/// id-icao-mrtd-security-ldsSecurityObject (2.23.136.1.1.1).
pub const OID_LDS_SECURITY_OBJECT: &[u8] = &[0x67, 0x81, 0x08, 0x01, 0x01, 0x01];
/// id-data (1.2.840.113549.1.7.1), used as eContentType by some issuers.
pub const OID_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01];

/// The common name of a digest algorithm OID (content bytes): `sha1`, `sha224`, `sha256`,
/// `sha384`, `sha512` (NIST CSOR 2.16.840.1.101.3.4.2.x, OIW 1.3.14.3.2.26).
pub fn hash_algorithm_name(oid: &[u8]) -> Option<&'static str> {
    const NIST: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
    if oid == [0x2B, 0x0E, 0x03, 0x02, 0x1A] {
        return Some("sha1");
    }
    match oid.strip_prefix(NIST)? {
        [1] => Some("sha256"),
        [2] => Some("sha384"),
        [3] => Some("sha512"),
        [4] => Some("sha224"),
        _ => None,
    }
}

/// An `AlgorithmIdentifier` (RFC 5280 §4.1.1.2) borrowed from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlgorithmIdentifier<'a> {
    /// The OID's content bytes.
    pub oid: &'a [u8],
    /// The parameters' whole encoding, when present (NULL included).
    pub parameters: Option<&'a [u8]>,
    /// The whole `AlgorithmIdentifier` encoding.
    pub raw: &'a [u8],
}

impl AlgorithmIdentifier<'_> {
    /// The dotted OID.
    pub fn oid_string(&self) -> String {
        oid_to_string(self.oid).unwrap_or_else(|| hex::encode(self.oid))
    }
}

/// One `SignerInfo` (RFC 5652 §5.3), borrowed from the file for the trust layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerInfo<'a> {
    /// The version (1: issuerAndSerialNumber, 3: subjectKeyIdentifier).
    pub version: u64,
    /// The `sid` as received: an `IssuerAndSerialNumber` SEQUENCE or a `[0]` key identifier.
    pub sid: &'a [u8],
    /// The digest algorithm.
    pub digest_algorithm: AlgorithmIdentifier<'a>,
    /// The signed attributes' whole encoding as received, tag `A0` included. The signature is
    /// computed over the same bytes with the tag replaced by `31` (SET OF, RFC 5652 §5.4).
    pub signed_attrs: Option<&'a [u8]>,
    /// The signature algorithm.
    pub signature_algorithm: AlgorithmIdentifier<'a>,
    /// The signature value (the OCTET STRING's contents).
    pub signature: &'a [u8],
    /// The whole `SignerInfo` encoding.
    pub raw: &'a [u8],
}

/// A data group's hash in the LDS security object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataGroupHash {
    /// The data group number, 1 to 16.
    pub number: u8,
    /// The hash value.
    pub hash: Vec<u8>,
}

/// `LDSVersionInfo` (LDS 1.8 and later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdsVersionInfo {
    /// LDS version, `aabb`.
    pub lds_version: String,
    /// Unicode version, `aabbcc`.
    pub unicode_version: String,
}

/// The `LDSSecurityObject` (ICAO 9303-10 §4.6.2.2): the hashes that EF.SOD signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdsSecurityObject {
    /// v0 (0) or v1 (1, with `lds_version_info`).
    pub version: u64,
    /// The hash algorithm OID's content bytes.
    pub hash_algorithm: Vec<u8>,
    /// Data group number → hash, in the file's order (numbers unique).
    pub data_group_hashes: Vec<DataGroupHash>,
    /// `LDSVersionInfo`, when present.
    pub lds_version_info: Option<LdsVersionInfo>,
}

impl LdsSecurityObject {
    /// The hash algorithm's common name (`sha256`...), when known.
    pub fn hash_algorithm_name(&self) -> Option<&'static str> {
        hash_algorithm_name(&self.hash_algorithm)
    }

    /// The hash of data group `n`.
    pub fn hash_of(&self, n: u8) -> Option<&[u8]> {
        self.data_group_hashes
            .iter()
            .find(|h| h.number == n)
            .map(|h| h.hash.as_slice())
    }

    /// Parses a DER/BER `LDSSecurityObject`; errors are reported at `base` + the offset in
    /// `bytes` (the eContent's place in EF.SOD).
    pub fn parse(bytes: &[u8], base: usize) -> Result<Self> {
        let mut r = Reader::new(FILE, bytes, base);
        let so = r.expect(0x30, "the LDSSecurityObject is not a SEQUENCE")?;
        r.finish("data after the LDSSecurityObject")?;
        let mut s = so.children(FILE);
        let v = s.expect(0x02, "the LDSSecurityObject has no version")?;
        let version = v
            .uint()
            .filter(|&x| x <= 1)
            .ok_or(v.err(FILE, "the LDSSecurityObject version is not 0 or 1"))?;
        let alg = algorithm(&s.expect(0x30, "the LDSSecurityObject has no hashAlgorithm")?)?;
        let hashes = s.expect(0x30, "the LDSSecurityObject has no dataGroupHashValues")?;
        let mut data_group_hashes: Vec<DataGroupHash> = Vec::new();
        for h in hashes.children(FILE).all()? {
            if h.tag != 0x30 {
                return Err(h.err(FILE, "a DataGroupHash is not a SEQUENCE"));
            }
            let mut e = h.children(FILE);
            let n = e.expect(0x02, "a DataGroupHash has no number")?;
            let number = n
                .uint()
                .filter(|x| (1..=16).contains(x))
                .and_then(|x| u8::try_from(x).ok())
                .ok_or(n.err(FILE, "a data group number is not 1-16"))?;
            let value = e.expect(0x04, "a DataGroupHash has no hash OCTET STRING")?;
            e.finish("data after a DataGroupHash's value")?;
            if data_group_hashes.iter().any(|d| d.number == number) {
                return Err(n.err(FILE, "a data group is hashed twice"));
            }
            data_group_hashes.push(DataGroupHash {
                number,
                hash: value.value.to_vec(),
            });
        }
        if data_group_hashes.is_empty() {
            return Err(hashes.err(FILE, "no data group hash"));
        }
        let lds_version_info = match s.optional(0x30)? {
            None => None,
            Some(info) => {
                let mut i = info.children(FILE);
                let l = i.expect(0x13, "the LDSVersionInfo has no ldsVersion")?;
                let u = i.expect(0x13, "the LDSVersionInfo has no unicodeVersion")?;
                let text = |t: &Tlv<'_>| {
                    std::str::from_utf8(t.value)
                        .ok()
                        .filter(|s| s.is_ascii())
                        .map(str::to_owned)
                        .ok_or(t.err(FILE, "a version is not a PrintableString"))
                };
                Some(LdsVersionInfo {
                    lds_version: text(&l)?,
                    unicode_version: text(&u)?,
                })
            }
        };
        s.finish("data after the LDSSecurityObject's fields")?;
        Ok(Self {
            version,
            hash_algorithm: alg.oid.to_vec(),
            data_group_hashes,
            lds_version_info,
        })
    }
}

/// EF.SOD: the `SignedData` structure and the `LDSSecurityObject` it encapsulates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EfSod<'a> {
    /// `SignedData` version (3 for ICAO documents).
    pub signed_data_version: u64,
    /// `digestAlgorithms`.
    pub digest_algorithms: Vec<AlgorithmIdentifier<'a>>,
    /// The eContentType OID's content bytes: normally [`OID_LDS_SECURITY_OBJECT`]; some issuers
    /// use [`OID_DATA`]. Judging it is the trust layer's business.
    pub encapsulated_content_type: &'a [u8],
    /// The eContent (the DER `LDSSecurityObject` whose hash the signed attributes carry):
    /// borrowed from the file, or reassembled from a constructed BER OCTET STRING.
    pub encapsulated_content: Cow<'a, [u8]>,
    /// The parsed `LDSSecurityObject`.
    pub lds_security_object: LdsSecurityObject,
    /// Each certificate's whole encoding (normally the document signer's).
    pub certificates: Vec<&'a [u8]>,
    /// The `crls` field's whole encoding, when present.
    pub crls: Option<&'a [u8]>,
    /// The signer infos (normally one).
    pub signer_infos: Vec<SignerInfo<'a>>,
}

impl<'a> EfSod<'a> {
    /// Parses EF.SOD.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let t = outer(FILE, bytes, 0x77)?;
        let mut r = t.children(FILE);
        let ci = r.expect(0x30, "no ContentInfo SEQUENCE")?;
        r.finish("data after the ContentInfo")?;
        let mut c = ci.children(FILE);
        let ct = c.expect(0x06, "the ContentInfo has no contentType")?;
        if ct.value != OID_SIGNED_DATA {
            return Err(ct.err(FILE, "the contentType is not id-signedData"));
        }
        let content = c.expect(0xA0, "the ContentInfo has no [0] content")?;
        c.finish("data after the ContentInfo's content")?;
        let mut w = content.children(FILE);
        let sd = w.expect(0x30, "the content is not a SignedData SEQUENCE")?;
        w.finish("data after the SignedData")?;

        let mut s = sd.children(FILE);
        let v = s.expect(0x02, "the SignedData has no version")?;
        let signed_data_version = v
            .uint()
            .ok_or(v.err(FILE, "the SignedData version is not a small INTEGER"))?;
        let algs = s.expect(0x31, "the SignedData has no digestAlgorithms SET")?;
        let digest_algorithms = algs
            .children(FILE)
            .all()?
            .iter()
            .map(algorithm)
            .collect::<Result<Vec<_>>>()?;
        let eci = s.expect(0x30, "the SignedData has no encapContentInfo")?;
        let mut e = eci.children(FILE);
        let ect = e.expect(0x06, "the encapContentInfo has no eContentType")?;
        let econtent = e.expect(0xA0, "the encapContentInfo has no eContent")?;
        e.finish("data after the eContent")?;
        let mut ec = econtent.children(FILE);
        let os = ec.read()?;
        ec.finish("data after the eContent OCTET STRING")?;
        let encapsulated_content: Cow<'a, [u8]> = match os.tag {
            0x04 => Cow::Borrowed(os.value),
            0x24 => Cow::Owned(octet_string(FILE, &os, 0)?),
            _ => return Err(os.err(FILE, "the eContent is not an OCTET STRING")),
        };
        // Offsets inside a reassembled constructed OCTET STRING are approximate (counted from
        // the string's contents); inside a primitive one they are exact.
        let lds_security_object = LdsSecurityObject::parse(&encapsulated_content, os.value_offset)?;

        let mut certificates = Vec::new();
        if let Some(certs) = s.optional(0xA0)? {
            for cert in certs.children(FILE).all()? {
                certificates.push(cert.raw);
            }
        }
        let crls = s.optional(0xA1)?.map(|t| t.raw);
        let infos = s.expect(0x31, "the SignedData has no signerInfos SET")?;
        s.finish("data after the signerInfos")?;
        let signer_infos = infos
            .children(FILE)
            .all()?
            .iter()
            .map(signer_info)
            .collect::<Result<Vec<_>>>()?;
        if signer_infos.is_empty() {
            return Err(infos.err(FILE, "no SignerInfo"));
        }
        Ok(Self {
            signed_data_version,
            digest_algorithms,
            encapsulated_content_type: ect.value,
            encapsulated_content,
            lds_security_object,
            certificates,
            crls,
            signer_infos,
        })
    }

    /// True when the eContentType is id-icao-mrtd-security-ldsSecurityObject.
    pub fn is_lds_security_object_type(&self) -> bool {
        self.encapsulated_content_type == OID_LDS_SECURITY_OBJECT
    }
}

fn algorithm<'a>(t: &Tlv<'a>) -> Result<AlgorithmIdentifier<'a>> {
    if t.tag != 0x30 {
        return Err(t.err(FILE, "an AlgorithmIdentifier is not a SEQUENCE"));
    }
    let mut r = t.children(FILE);
    let oid = r.expect(0x06, "an AlgorithmIdentifier has no OID")?;
    let parameters = if r.is_empty() {
        None
    } else {
        Some(r.read()?.raw)
    };
    r.finish("data after an AlgorithmIdentifier's parameters")?;
    Ok(AlgorithmIdentifier {
        oid: oid.value,
        parameters,
        raw: t.raw,
    })
}

fn signer_info<'a>(t: &Tlv<'a>) -> Result<SignerInfo<'a>> {
    if t.tag != 0x30 {
        return Err(t.err(FILE, "a SignerInfo is not a SEQUENCE"));
    }
    let mut r = t.children(FILE);
    let v = r.expect(0x02, "a SignerInfo has no version")?;
    let version = v
        .uint()
        .ok_or(v.err(FILE, "a SignerInfo version is not a small INTEGER"))?;
    let sid = r.read()?;
    if sid.tag != 0x30 && sid.tag != 0x80 {
        return Err(sid.err(
            FILE,
            "a SignerInfo's sid is neither issuerAndSerialNumber nor [0]",
        ));
    }
    let digest_algorithm = algorithm(&r.expect(0x30, "a SignerInfo has no digestAlgorithm")?)?;
    let signed_attrs = r.optional(0xA0)?.map(|a| a.raw);
    let signature_algorithm =
        algorithm(&r.expect(0x30, "a SignerInfo has no signatureAlgorithm")?)?;
    let sig = r.expect(0x04, "a SignerInfo has no signature OCTET STRING")?;
    r.optional(0xA1)?;
    r.finish("data after a SignerInfo's fields")?;
    if sig.value.is_empty() {
        return Err(sig.err(FILE, "empty signature"));
    }
    Ok(SignerInfo {
        version,
        sid: sid.raw,
        digest_algorithm,
        signed_attrs,
        signature_algorithm,
        signature: sig.value,
        raw: t.raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::lds::test_support::{mutate, vector};
    use proptest::prelude::*;

    const SAMPLES: [&str; 15] = [
        "gmrtd/sod_AT/EF_SOD.bin",
        "gmrtd/sod_AU/EF_SOD.bin",
        "gmrtd/sod_DE/EF_SOD.bin",
        "gmrtd/sod_FR/EF_SOD.bin",
        "gmrtd/sod_MY/EF_SOD.bin",
        "gmrtd/sod_NZ/EF_SOD.bin",
        "gmrtd/sod_UK/EF_SOD.bin",
        "gmrtd/sod_US/EF_SOD.bin",
        "jmrtd_bsi2008/EF_SOD.bin",
        "jmrtd_loes2006/ef011D.bin",
        "jmrtd_misc/NZ2013_EF_SOD.bin",
        "pymrtd/BSI_TR03105-5_HJP_EF_SOD.bin",
        "pymrtd/BSI_TR03105-5_HJP_EF_SOD_modified_eContentType_id-data.bin",
        "pymrtd/ETSI_TR103200_EACAA_EF_SOD.bin",
        "gmrtd/sod_AT/EF_SOD.bin",
    ];

    /// True when `part` is a sub-slice of `whole` (borrowed, not copied).
    fn within(whole: &[u8], part: &[u8]) -> bool {
        let (w, p) = (whole.as_ptr() as usize, part.as_ptr() as usize);
        p >= w && p + part.len() <= w + whole.len()
    }

    #[test]
    fn every_sample_parses() {
        for f in SAMPLES {
            let b = vector(f);
            let sod = EfSod::parse(&b).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert_eq!(sod.signed_data_version, 3, "{f}");
            assert!(
                sod.lds_security_object.hash_algorithm_name().is_some(),
                "{f}"
            );
            assert!(sod.lds_security_object.hash_of(1).is_some(), "{f}");
            assert_eq!(sod.signer_infos.len(), 1, "{f}");
            let si = &sod.signer_infos[0];
            let attrs = si
                .signed_attrs
                .unwrap_or_else(|| panic!("{f}: no signed attributes"));
            assert_eq!(attrs[0], 0xA0);
            assert!(
                within(&b, attrs) && within(&b, si.signature) && within(&b, si.raw),
                "{f}"
            );
            assert!(!sod.certificates.is_empty(), "{f}");
            for c in &sod.certificates {
                assert!(within(&b, c) && c[0] == 0x30, "{f}");
            }
            let id_data = f.contains("id-data");
            assert_eq!(sod.is_lds_security_object_type(), !id_data, "{f}");
        }
    }

    #[test]
    fn known_contents() {
        let b = vector("jmrtd_bsi2008/EF_SOD.bin");
        let sod = EfSod::parse(&b).unwrap();
        let so = &sod.lds_security_object;
        assert_eq!((so.version, so.hash_algorithm_name()), (0, Some("sha1")));
        assert_eq!(
            so.data_group_hashes
                .iter()
                .map(|h| h.number)
                .collect::<Vec<_>>(),
            vec![1, 2, 3, 14]
        );
        assert_eq!(
            hex::encode(so.hash_of(1).unwrap()),
            "fb1bc1921f4dc07947408a7cdd5cc0c928353809"
        );
        assert_eq!(sod.digest_algorithms[0].oid_string(), "1.3.14.3.2.26");
        assert_eq!(
            sod.signer_infos[0].signature_algorithm.oid_string(),
            "1.2.840.10045.4.1"
        );
        assert!(matches!(sod.encapsulated_content, Cow::Borrowed(_)));
    }

    #[test]
    fn ber_indefinite_length() {
        // Both New Zealand samples use indefinite lengths throughout the SignedData.
        for f in ["gmrtd/sod_NZ/EF_SOD.bin", "jmrtd_misc/NZ2013_EF_SOD.bin"] {
            let b = vector(f);
            assert_eq!(b[5], 0x80, "{f} is indefinite-length");
            let sod = EfSod::parse(&b).unwrap();
            let so = &sod.lds_security_object;
            assert_eq!(so.hash_algorithm_name(), Some("sha256"), "{f}");
            assert!(
                so.data_group_hashes.iter().all(|h| h.hash.len() == 32),
                "{f}"
            );
        }
        let nz = vector("gmrtd/sod_NZ/EF_SOD.bin");
        let sod = EfSod::parse(&nz).unwrap();
        assert_eq!(
            sod.lds_security_object
                .data_group_hashes
                .iter()
                .map(|h| h.number)
                .collect::<Vec<_>>(),
            vec![1, 2, 12, 13, 14, 15]
        );
    }

    #[test]
    fn constructed_econtent_is_reassembled() {
        // A minimal BER SignedData whose eContent is a constructed OCTET STRING in two parts.
        let so = hex::decode(concat!(
            "3023",
            "020100",
            "300b0609608648016503040201",
            "3011",
            "300f020101040a00112233445566778899"
        ))
        .unwrap();
        let (a, b) = so.split_at(10);
        let mut os = vec![0x24, 0x80, 0x04, a.len() as u8];
        os.extend(a);
        os.extend([0x04, b.len() as u8]);
        os.extend(b);
        os.extend([0, 0]);
        let econtent = [
            hex::decode("0606678108010101").unwrap().as_slice(),
            &[0xA0, 0x80],
            &os,
            &[0, 0],
        ]
        .concat();
        let eci = [&[0x30, 0x80][..], &econtent, &[0, 0]].concat();
        let signer = hex::decode(concat!(
            "3022",
            "020101",
            "3000",
            "300b0609608648016503040201",
            "300a06082a8648ce3d040302",
            "0402abcd"
        ))
        .unwrap();
        let sd = [
            &[0x30, 0x80, 0x02, 0x01, 0x03, 0x31, 0x00][..],
            &eci,
            &[0x31, signer.len() as u8],
            &signer,
            &[0, 0],
        ]
        .concat();
        let ci = [
            &[0x30, 0x80][..],
            &hex::decode("06092a864886f70d010702").unwrap(),
            &[0xA0, 0x80],
            &sd,
            &[0, 0, 0, 0],
        ]
        .concat();
        let file = [
            &[0x77, 0x82, (ci.len() >> 8) as u8, ci.len() as u8][..],
            &ci,
        ]
        .concat();
        let sod = EfSod::parse(&file).unwrap();
        assert!(matches!(sod.encapsulated_content, Cow::Owned(_)));
        assert_eq!(&sod.encapsulated_content[..], &so[..]);
        assert_eq!(sod.lds_security_object.hash_of(1).unwrap().len(), 10);
        assert_eq!(sod.signer_infos[0].signature, &[0xAB, 0xCD]);
        assert!(sod.certificates.is_empty() && sod.signer_infos[0].signed_attrs.is_none());
    }

    #[test]
    fn malformed() {
        let b = vector("jmrtd_bsi2008/EF_SOD.bin");
        let e = EfSod::parse(&b[..b.len() - 1]).unwrap_err();
        assert!(
            matches!(
                e,
                Error::MalformedFile {
                    file: LdsFile::Sod,
                    offset: 1,
                    ..
                }
            ),
            "{e:?}"
        );
        // contentType changed from id-signedData.
        let mut ct = b.clone();
        ct[18] ^= 1;
        let e = EfSod::parse(&ct).unwrap_err();
        assert!(matches!(e, Error::MalformedFile { offset: 8, .. }), "{e:?}");
        // DG2's number changed to 1: a data group hashed twice (error at its INTEGER).
        let mut dup = b.clone();
        let at = 4 + 55 + 47;
        assert_eq!(&dup[at..at + 3], &[0x02, 0x01, 0x02]);
        dup[at + 2] = 1;
        let e = EfSod::parse(&dup).unwrap_err();
        assert_eq!(
            e,
            Error::MalformedFile {
                file: LdsFile::Sod,
                offset: at,
                why: "a data group is hashed twice"
            }
        );
        // An unterminated indefinite length.
        let nz = vector("jmrtd_misc/NZ2013_EF_SOD.bin");
        let cut = &nz[..nz.len() - 4];
        let mut fixed = cut.to_vec();
        fixed[2..4].copy_from_slice(&((cut.len() - 4) as u16).to_be_bytes());
        assert!(EfSod::parse(&fixed).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = EfSod::parse(&bytes);
        }

        #[test]
        fn mutated_samples_never_panic(i in 0usize..15, pos in any::<usize>(), byte in any::<u8>(), cut in 0usize..32) {
            let _ = EfSod::parse(&mutate(vector(SAMPLES[i]), pos, byte, cut));
        }

        #[test]
        fn mutated_ber_header_never_panics(pos in 0usize..64, byte in any::<u8>()) {
            // Mutations concentrated on the indefinite-length structure of the NZ sample.
            let _ = EfSod::parse(&mutate(vector("jmrtd_misc/NZ2013_EF_SOD.bin"), pos, byte, 0));
        }
    }
}
