//! Batches texts, keeps several requests in flight on scoped threads, puts
//! the answers back in input order and validates every vector. Either every
//! text gets a checked, unit-length vector or the whole call fails.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use super::RemoteOptions;
use crate::EmbedError;

/// Embeds `texts` in batches of `opts.batch_size` with up to
/// `opts.concurrency` calls of `call` running at once. `call` returns the raw
/// vectors for one batch; they are checked against `dims` (when known),
/// checked for finite values and L2-normalized here.
pub(super) fn embed_batched<F>(
    texts: &[Cow<'_, str>],
    opts: &RemoteOptions,
    dims: Option<usize>,
    endpoint: &str,
    call: F,
) -> Result<Vec<Vec<f32>>, EmbedError>
where
    F: Fn(&[Cow<'_, str>]) -> Result<Vec<Vec<f32>>, EmbedError> + Sync,
{
    if texts.is_empty() {
        return Ok(Vec::new());
    }
    let opts = opts.sanitized();
    let batches: Vec<&[Cow<'_, str>]> = texts.chunks(opts.batch_size).collect();
    let run = |batch: &[Cow<'_, str>]| {
        call(batch).and_then(|raw| check_batch(raw, batch.len(), dims, endpoint))
    };
    if batches.len() == 1 {
        return run(batches[0]);
    }

    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let slots: Mutex<Vec<Option<Vec<Vec<f32>>>>> = Mutex::new(vec![None; batches.len()]);
    let first_error: Mutex<Option<EmbedError>> = Mutex::new(None);
    let workers = opts.concurrency.min(batches.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if failed.load(Ordering::Acquire) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::AcqRel);
                let Some(batch) = batches.get(i) else { break };
                match run(batch) {
                    Ok(vectors) => lock(&slots)[i] = Some(vectors),
                    Err(e) => {
                        failed.store(true, Ordering::Release);
                        lock(&first_error).get_or_insert(e);
                        break;
                    }
                }
            });
        }
    });

    if let Some(e) = lock(&first_error).take() {
        return Err(e);
    }
    let slots = std::mem::take(&mut *lock(&slots));
    let mut out = Vec::with_capacity(texts.len());
    for (i, slot) in slots.into_iter().enumerate() {
        match slot {
            Some(vectors) => out.extend(vectors),
            None => {
                return Err(EmbedError::Remote {
                    endpoint: endpoint.to_string(),
                    reason: format!("batch {i} produced no answer"),
                })
            }
        }
    }
    Ok(out)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Checks one batch answer: one vector per text, the expected (or at least a
/// consistent) length, finite values; then L2-normalizes.
pub(super) fn check_batch(
    raw: Vec<Vec<f32>>,
    expected_count: usize,
    dims: Option<usize>,
    endpoint: &str,
) -> Result<Vec<Vec<f32>>, EmbedError> {
    if raw.len() != expected_count {
        return Err(EmbedError::Remote {
            endpoint: endpoint.to_string(),
            reason: format!(
                "sent {expected_count} texts but received {} vectors",
                raw.len()
            ),
        });
    }
    let want = dims.or_else(|| raw.first().map(Vec::len)).unwrap_or(0);
    let mut out = Vec::with_capacity(raw.len());
    for (i, mut v) in raw.into_iter().enumerate() {
        if v.len() != want {
            return Err(dimension_change(endpoint, want, v.len()));
        }
        crate::vectors::normalize(&mut v).map_err(|e| {
            EmbedError::InvalidVector(format!("{endpoint} answered text #{i} of a batch with {e}"))
        })?;
        out.push(v);
    }
    Ok(out)
}

/// The error for a server whose vectors changed length: names both sizes
/// and what to do, because mixing them would corrupt the index.
pub(super) fn dimension_change(endpoint: &str, expected: usize, got: usize) -> EmbedError {
    EmbedError::InvalidVector(format!(
        "{endpoint} returned {got}-dimensional vectors, expected {expected} \
         (the model behind the server changed?); refusing to mix them — \
         restore the model or re-index with `amanmcp index --force`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(n: usize) -> Vec<Cow<'static, str>> {
        (0..n).map(|i| Cow::Owned(format!("{i}"))).collect()
    }

    fn opts(batch_size: usize, concurrency: usize) -> RemoteOptions {
        RemoteOptions {
            batch_size,
            concurrency,
            ..RemoteOptions::default()
        }
    }

    #[test]
    fn keeps_order_across_concurrent_batches() {
        let input = texts(103);
        let out = embed_batched(&input, &opts(7, 4), Some(2), "t", |batch| {
            // later batches finish first
            let first: u64 = batch[0].parse().unwrap_or(0);
            std::thread::sleep(std::time::Duration::from_millis(30 - first / 4));
            Ok(batch
                .iter()
                .map(|t| vec![t.parse::<f32>().unwrap_or(0.0) + 1.0, 0.0])
                .collect())
        })
        .unwrap();
        assert_eq!(out.len(), 103);
        for v in &out {
            assert_eq!(v, &vec![1.0, 0.0]);
        }
    }

    #[test]
    fn one_failed_batch_fails_the_call() {
        let input = texts(50);
        let err = embed_batched(&input, &opts(5, 3), Some(2), "t", |batch| {
            if batch[0] == "20" {
                Err(EmbedError::Remote {
                    endpoint: "t".into(),
                    reason: "boom".into(),
                })
            } else {
                Ok(batch.iter().map(|_| vec![1.0, 1.0]).collect())
            }
        })
        .unwrap_err();
        assert!(err.to_string().contains("boom"), "{err}");
    }

    #[test]
    fn rejects_count_dims_and_nan() {
        assert!(check_batch(vec![vec![1.0]], 2, Some(1), "t").is_err());
        let e = check_batch(vec![vec![1.0, 0.0, 0.0]], 1, Some(2), "t").unwrap_err();
        assert!(e.to_string().contains("3-dimensional") && e.to_string().contains("expected 2"));
        assert!(check_batch(vec![vec![f32::NAN, 1.0]], 1, Some(2), "t").is_err());
        assert!(check_batch(vec![vec![0.0, 0.0]], 1, Some(2), "t").is_err());
        let ok = check_batch(vec![vec![3.0, 4.0]], 1, None, "t").unwrap();
        assert!((ok[0][0] - 0.6).abs() < 1e-6);
    }
}
