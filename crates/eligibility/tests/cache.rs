//! The offline cache: owner-only, holds no personal data in clear, and degrades to no cache with
//! a warning when the database is corrupted or locked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use eligibility::sim::Fault;
use eligibility::{CardFacts, Category, OfflineCache, cache_key};
use jiff::Timestamp;
use support::*;

fn facts() -> CardFacts {
    CardFacts {
        result_code: "000".into(),
        card_number: Some("DN4383895012345".into()),
        valid_from: Some("01/01/2026".into()),
        valid_to: Some("31/12/2026".into()),
        ..CardFacts::default()
    }
}

#[test]
fn stores_and_expires() {
    let path = unique_dir("store").join("sub").join("c.sqlite");
    let cache = OfflineCache::open(&path);
    assert!(cache.is_enabled());
    let now: Timestamp = "2026-03-10T02:00:00Z".parse().unwrap();
    let key = cache_key(AN.0, AN.1, AN.2);
    let ttl = Duration::from_secs(3600);
    cache.store(&key, &facts(), now, ttl);
    let later = now
        .checked_add(jiff::SignedDuration::from_secs(600))
        .unwrap();
    let (f, age) = cache.load(&key, later, ttl).unwrap();
    assert_eq!((f, age), (facts(), Duration::from_secs(600)));
    let too_late = now
        .checked_add(jiff::SignedDuration::from_secs(3601))
        .unwrap();
    assert!(cache.load(&key, too_late, ttl).is_none());
    assert_eq!(
        key,
        cache_key(AN.0, "  nguyễn  văn AN ", AN.2),
        "name normalised"
    );
    assert_ne!(key, cache_key(AN.0, AN.1, "1995"));
    // Neither the ID number nor the name is stored in clear.
    drop(cache);
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains(AN.0) && !text.contains("Nguy"),
        "personal data in the cache"
    );
}

#[cfg(unix)]
#[test]
fn the_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let path = unique_dir("perm").join("c.sqlite");
    let _cache = OfflineCache::open(&path);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o077, 0, "directory created owner-only");
    // An existing file readable by others is tightened.
    let loose = unique_dir("loose");
    std::fs::create_dir_all(&loose).unwrap();
    let p = loose.join("c.sqlite");
    std::fs::write(&p, b"").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _cache = OfflineCache::open(&p);
    assert_eq!(
        std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_corrupted_database_degrades_to_no_cache_with_a_warning() {
    let dir = unique_dir("corrupt");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("c.sqlite");
    std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
    let (cache, logs) = capture_warnings(|| OfflineCache::open(&path));
    assert!(!cache.is_enabled());
    assert!(
        logs.contains("WARN") && logs.contains("offline cache"),
        "{logs}"
    );
    // Using it is harmless.
    let now = Timestamp::now();
    cache.store("k", &facts(), now, Duration::from_secs(60));
    assert!(cache.load("k", now, Duration::from_secs(60)).is_none());
}

#[test]
fn a_locked_database_is_skipped_with_a_warning() {
    let path = unique_dir("locked").join("c.sqlite");
    let cache = OfflineCache::open(&path);
    assert!(cache.is_enabled());
    let now = Timestamp::now();
    let ttl = Duration::from_secs(60);
    cache.store("k", &facts(), now, ttl);
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let ((), logs) = capture_warnings(|| {
        cache.store("k2", &facts(), now, ttl);
        assert!(cache.load("k", now, ttl).is_none());
    });
    assert!(logs.contains("offline cache skipped"), "{logs}");
    other.execute_batch("COMMIT").unwrap();
    assert!(
        cache.load("k", now, ttl).is_some(),
        "usable again once released"
    );
}

#[tokio::test]
async fn the_service_works_with_a_corrupted_or_locked_cache() {
    let f = Fixture::with(Setup {
        cache: true,
        ..Setup::default()
    })
    .await;
    let path = f.cache_path.clone().unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
    f.sim.add_fault(Fault::ServerError, None);
    assert_eq!(
        f.check(AN.0, AN.1, AN.2).await.category,
        Category::GatewayError
    );
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    // Corrupt the file under the open connection: still answers, never panics.
    std::fs::write(&path, vec![0xa5_u8; 16384]).unwrap();
    f.sim.clear_faults();
    assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
}
