//! A bandwidth limit shared by several transfers: a token bucket.
//!
//! Tokens are bytes; they come in at `rate` per second, and at most
//! `burst` of them wait unused. A transfer takes the tokens for each piece
//! before sending it (uploads) or writing it (downloads); when the bucket
//! is short it goes into debt and the taker sleeps until the debt is paid,
//! so several transfers sharing one bucket move `rate` bytes per second
//! between them, whatever their number.
//!
//! The bucket counts what passed through it ([`Throttle::bytes`]) and how
//! long its takers slept ([`Throttle::waited`]), so a caller can check the
//! limit with the bucket's own accounting.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// Size of the pieces a limited upload is cut into: small enough that the
/// pace is even, large enough to cost nothing.
pub const PIECE: usize = 16 * 1024;

#[derive(Debug)]
struct Bucket {
    rate: u64,
    burst: u64,
    /// Tokens available (negative: debt).
    tokens: f64,
    last: Instant,
    bytes: u64,
    waited: Duration,
}

/// A shared bandwidth limit (bytes per second). Cloning shares the bucket.
#[derive(Debug, Clone)]
pub struct Throttle {
    inner: Arc<Mutex<Bucket>>,
}

impl PartialEq for Throttle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for Throttle {}

impl Throttle {
    /// A limit of `rate` bytes per second (at least 1), with a burst of a
    /// tenth of a second's worth (at least one [`PIECE`]). The bucket
    /// starts empty: the first bytes wait like the others.
    pub fn new(rate: u64) -> Self {
        let rate = rate.max(1);
        Self::with_burst(rate, (rate / 10).max(PIECE as u64))
    }

    /// A limit with an explicit burst (bytes that may go at once after a
    /// pause).
    pub fn with_burst(rate: u64, burst: u64) -> Self {
        Throttle {
            inner: Arc::new(Mutex::new(Bucket {
                rate: rate.max(1),
                burst,
                tokens: 0.0,
                last: Instant::now(),
                bytes: 0,
                waited: Duration::ZERO,
            })),
        }
    }

    pub fn rate(&self) -> u64 {
        self.lock().rate
    }

    pub fn burst(&self) -> u64 {
        self.lock().burst
    }

    /// Bytes that went through this limit so far.
    pub fn bytes(&self) -> u64 {
        self.lock().bytes
    }

    /// Time the takers of this limit slept, added up.
    pub fn waited(&self) -> Duration {
        self.lock().waited
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Bucket> {
        // A panic while holding this lock leaves plain numbers behind:
        // still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes `n` bytes' worth of tokens, sleeping as long as the limit
    /// requires.
    pub async fn acquire(&self, n: u64) {
        let wait = {
            let mut b = self.lock();
            let now = Instant::now();
            let elapsed = now.duration_since(b.last).as_secs_f64();
            b.last = now;
            b.tokens = (b.tokens + elapsed * b.rate as f64).min(b.burst as f64);
            b.tokens -= n as f64;
            b.bytes += n;
            if b.tokens < 0.0 {
                let wait = Duration::from_secs_f64(-b.tokens / b.rate as f64);
                b.waited += wait;
                wait
            } else {
                Duration::ZERO
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Cuts a stream of byte chunks into [`PIECE`]s and takes each one's tokens
/// from `throttle` before handing it on.
pub fn limit_stream<S, E>(
    stream: S,
    throttle: Throttle,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, E>> + Send + 'static
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Send + 'static,
    E: Send + 'static,
{
    use futures_util::StreamExt;
    stream
        .map(|chunk| {
            let pieces: Vec<Result<bytes::Bytes, E>> = match chunk {
                Ok(mut b) => {
                    let mut out = Vec::with_capacity(b.len() / PIECE + 1);
                    while b.len() > PIECE {
                        out.push(Ok(b.split_to(PIECE)));
                    }
                    out.push(Ok(b));
                    out
                }
                Err(e) => vec![Err(e)],
            };
            futures_util::stream::iter(pieces)
        })
        .flatten()
        .then(move |piece| {
            let throttle = throttle.clone();
            async move {
                if let Ok(b) = &piece {
                    throttle.acquire(b.len() as u64).await;
                }
                piece
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn shared_takers_move_rate_bytes_per_second_between_them() {
        // 4 takers, 96 KiB each, at 256 KiB/s: at least (384 - burst) / 256
        // seconds, whatever their number.
        let t = Throttle::with_burst(256 * 1024, 16 * 1024);
        let start = std::time::Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let t = t.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..6 {
                    t.acquire(16 * 1024).await;
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let took = start.elapsed();
        assert_eq!(t.bytes(), 4 * 96 * 1024);
        let floor = Duration::from_secs_f64((384.0 - 16.0) / 256.0);
        assert!(took >= floor, "took {took:?}, the limit allows {floor:?}");
        assert!(t.waited() >= floor, "slept {:?}", t.waited());
    }

    #[tokio::test]
    async fn a_limited_stream_passes_every_byte_in_pieces() {
        use futures_util::StreamExt;
        let t = Throttle::new(10 * 1024 * 1024);
        let data = bytes::Bytes::from(vec![7u8; 3 * PIECE + 5]);
        let s = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(data.clone())]);
        let pieces: Vec<bytes::Bytes> = limit_stream(s, t.clone())
            .map(|r| r.unwrap())
            .collect()
            .await;
        assert_eq!(pieces.len(), 4);
        assert!(pieces.iter().all(|p| p.len() <= PIECE));
        assert_eq!(pieces.concat(), data.to_vec());
        assert_eq!(t.bytes(), data.len() as u64);
    }
}
