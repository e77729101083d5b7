use sha2::{Digest, Sha256};

use super::*;
use crate::sod::verify_p256;

#[test]
fn the_default_cccd() {
    let image = CardImage::builder().build().unwrap();
    assert_eq!(image.listed(), [1, 2, 13, 14, 15]);
    assert_eq!(image.can(), Some("012345"));
    assert_eq!(
        image.mrz_lines(),
        [
            "IDVNM0890123456001089012345<<7",
            "8907057M2907055VNM<<<<<<<<<<<0",
            "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<"
        ]
    );
    // EF.COM's tag list: 5C 05 61 75 6D 6E 6F.
    assert!(
        image
            .ef_com()
            .ends_with(&[0x5C, 0x05, 0x61, 0x75, 0x6D, 0x6E, 0x6F])
    );
    let dg1 = image.data_group(1).unwrap();
    assert_eq!(&dg1[5..], image.mrz_lines().concat().as_bytes());
    assert_eq!(image.data_group(13).unwrap()[0], 0x6D);
    assert_eq!(image.data_group(15).unwrap()[0], 0x6F);
    assert!(image.active_authentication_key().is_some());
    // EF.SOD verifies under the document signer and hashes every file the card has.
    let so = verify_p256(image.ef_sod(), &image.pki().ds_der().unwrap()).unwrap();
    for n in image.listed() {
        let h = Sha256::digest(image.data_group(n).unwrap());
        assert!(so.windows(32).any(|w| w == h.as_slice()), "DG{n}'s hash");
    }
    assert_eq!(image.pki().country(), "VN");
}

#[test]
fn same_options_same_bytes() {
    let a = CardImage::builder().build().unwrap();
    let b = CardImage::builder().build().unwrap();
    assert_eq!(a.ef_sod(), b.ef_sod());
    assert_eq!(a.data_group(15), b.data_group(15));
    let c = CardImage::builder().seed(b"another").build().unwrap();
    assert_ne!(a.ef_sod(), c.ef_sod());
    assert_ne!(a.data_group(14), c.data_group(14));
}

#[test]
fn withheld_files_are_listed_and_hashed_but_absent() {
    let image = CardImage::builder()
        .data_groups(&[1, 2, 13])
        .withhold(2)
        .withhold(3)
        .build()
        .unwrap();
    assert_eq!(image.listed(), [1, 2, 3, 13]);
    assert_eq!(image.data_group(2), None);
    assert_eq!(image.data_group(3), None);
    assert!(
        image
            .ef_com()
            .ends_with(&[0x5C, 0x04, 0x61, 0x75, 0x63, 0x6D])
    );
    let so = verify_p256(image.ef_sod(), &image.pki().ds_der().unwrap()).unwrap();
    // DG3, which this crate cannot make, is hashed as an empty template `63 00`.
    let h = Sha256::digest([0x63, 0x00]);
    assert!(so.windows(32).any(|w| w == h.as_slice()));
    assert!(image.active_authentication_key().is_none());
    let dir = std::env::temp_dir().join(format!("card-images-{}-withheld", std::process::id()));
    let dump = image.write_dump(&dir).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "EF_COM.bin",
            "EF_DG1.bin",
            "EF_DG13.bin",
            "EF_SOD.bin",
            "csca.der",
            "ds.der",
            "profile.toml"
        ]
    );
    let toml = std::fs::read_to_string(&dump.profile).unwrap();
    assert!(
        toml.contains("[dump]\ndir = \".\"\ncan = \"012345\"\nmrz = [\"IDVNM"),
        "{toml}"
    );
    assert_eq!(
        std::fs::read(&dump.csca).unwrap(),
        image.pki().csca_der().unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn partial_dates_of_birth_in_the_mrz() {
    assert_eq!(mrz_date("05/07/1989").as_deref(), Some("890705"));
    assert_eq!(mrz_date("00/00/1950").as_deref(), Some("50<<<<"));
    assert_eq!(mrz_date("1950").as_deref(), Some("50<<<<"));
    assert_eq!(mrz_date("00/03/1950").as_deref(), Some("5003<<"));
    assert_eq!(mrz_date("Không thời hạn"), None);
    let image = CardImage::builder()
        .with_citizen(|c| {
            c.id_number = "036050123456".into();
            c.date_of_expiry = "Không thời hạn".into();
        })
        .date_of_birth("00/00/1950")
        .data_groups(&[1, 13])
        .build()
        .unwrap();
    assert_eq!(&image.mrz_lines()[1][..15], "50<<<<5M9912315");
    let image = CardImage::builder()
        .date_of_birth("1950")
        .mrz_date_of_birth("500000")
        .data_groups(&[1])
        .build()
        .unwrap();
    assert_eq!(&image.mrz_lines()[1][..7], "5000005");
}

#[test]
fn a_passport_has_no_dg13() {
    let image = CardImage::builder()
        .passport(Passport::default())
        .build()
        .unwrap();
    assert_eq!(image.listed(), [1, 2, 14, 15]);
    assert_eq!(image.can(), None);
    assert_eq!(
        image.mrz_lines()[0],
        "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<"
    );
    assert_eq!(image.mrz_lines()[1].len(), 44);
    assert_eq!(image.pki().country(), "DE");
    let refused = CardImage::builder()
        .passport(Passport::default())
        .data_groups(&[1, 13])
        .build();
    assert!(matches!(refused, Err(Error::Invalid(_))));
}

#[test]
fn options_that_cannot_be_made_are_refused() {
    assert!(CardImage::builder().data_groups(&[1, 3]).build().is_err());
    assert!(CardImage::builder().withhold(17).build().is_err());
    assert!(
        CardImage::builder()
            .with_citizen(|c| c.id_number = "12345".into())
            .build()
            .is_err()
    );
}
