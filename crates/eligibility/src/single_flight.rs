//! One call for many callers: concurrent requests for the same key share one future's result.
//!
//! The co-payment lookup takes 5-60 s (`domain/bhxh-gateway.md`, "2026"); a desk that clicks
//! twice, or an HIS and the page asking at once, must not make two gateway calls for the same
//! card. Written here because the need is a dozen lines over `tokio::sync::OnceCell`, which
//! already gives the waiting and the hand-over when the running caller is cancelled.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

/// Concurrent calls with equal keys run one future; the others wait for its value.
#[derive(Debug)]
pub struct SingleFlight<K, V> {
    running: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for SingleFlight<K, V> {
    fn default() -> Self {
        Self {
            running: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> SingleFlight<K, V> {
    /// A group with nothing running.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `make()` for `key`: if a call for `key` is already running, its value
    /// instead (and `make` is not called). Should the running caller be cancelled, a waiting one
    /// runs its own `make`. Once the value is there, the next call for `key` starts afresh
    /// (keeping answers is the caller's cache, not this).
    pub async fn run<F, Fut>(&self, key: K, make: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let cell = match self.running.lock() {
            Ok(mut running) => running.entry(key.clone()).or_default().clone(),
            // A poisoned map only loses the sharing, never the call.
            Err(_) => Arc::new(OnceCell::new()),
        };
        let value = cell.get_or_init(make).await.clone();
        if let Ok(mut running) = self.running.lock()
            && running.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell))
        {
            running.remove(&key);
        }
        value
    }

    /// How many keys have a call running (for tests and metrics).
    pub fn running(&self) -> usize {
        self.running.lock().map_or(0, |r| r.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_calls_share_one_and_later_calls_start_afresh() {
        let group = Arc::new(SingleFlight::<&str, u32>::new());
        let calls = Arc::new(AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (group, calls) = (group.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                group
                    .run("card", || async move {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        calls.fetch_add(1, Ordering::SeqCst) + 1
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 1);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(group.running(), 0);
        let other = group.run("other", || async { 7 }).await;
        assert_eq!(other, 7);
        assert_eq!(group.run("card", || async { 9 }).await, 9, "a new call");
    }

    #[tokio::test]
    async fn a_cancelled_caller_hands_over_to_a_waiting_one() {
        let group = Arc::new(SingleFlight::<u8, &str>::new());
        let g = group.clone();
        let first = tokio::spawn(async move {
            g.run(1, || async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                "first"
            })
            .await
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let g = group.clone();
        let second = tokio::spawn(async move { g.run(1, || async { "second" }).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        first.abort();
        assert_eq!(second.await.unwrap(), "second");
    }
}
