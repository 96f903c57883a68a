//! Throughput plumbing shared by the transformer backends: length-sorted,
//! token-budget batches, and tokenization of the next window of texts on a
//! second thread while the model runs the current one.

use tokenizers::Encoding;

use crate::EmbedError;

/// Texts tokenized per pipeline step. Sorting happens within a window, so a
/// larger window wastes less padding; 512 texts tokenize in a few tens of
/// milliseconds, far less than the model needs for them.
const WINDOW: usize = 512;

/// Groups item indices into batches whose padded size (longest item ×
/// count) stays within `budget` tokens. Items are taken longest first so
/// each batch holds texts of similar length and padding waste stays small.
/// Every batch holds at least one item, even one longer than the budget.
pub(crate) fn plan(lengths: &[usize], budget: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by(|&a, &b| lengths[b].cmp(&lengths[a]).then(a.cmp(&b)));
    let mut batches = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut longest = 0usize;
    for i in order {
        let len = lengths[i].max(1);
        let padded = longest.max(len) * (current.len() + 1);
        if !current.is_empty() && padded > budget {
            batches.push(std::mem::take(&mut current));
            longest = 0;
        }
        longest = longest.max(len);
        current.push(i);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// Embeds `texts` through `tokenize` and `run`, returning vectors in input
/// order. `run` receives one length-homogeneous batch at a time. When there
/// is more than one window, the next window is tokenized on a scoped thread
/// while `run` works on the current one.
pub(crate) fn embed_pipelined<T, R>(
    texts: &[&str],
    budget: usize,
    tokenize: T,
    mut run: R,
) -> Result<Vec<Vec<f32>>, EmbedError>
where
    T: Fn(&[&str]) -> Result<Vec<Encoding>, EmbedError> + Sync,
    R: FnMut(&[&Encoding]) -> Result<Vec<Vec<f32>>, EmbedError>,
{
    let mut out: Vec<Option<Vec<f32>>> = vec![None; texts.len()];
    let mut run_window = |start: usize, encs: Vec<Encoding>| -> Result<(), EmbedError> {
        let lengths: Vec<usize> = encs.iter().map(Encoding::len).collect();
        for batch in plan(&lengths, budget) {
            let refs: Vec<&Encoding> = batch.iter().map(|&i| &encs[i]).collect();
            let vecs = run(&refs)?;
            if vecs.len() != batch.len() {
                return Err(EmbedError::Inference(format!(
                    "model returned {} vectors for {} texts",
                    vecs.len(),
                    batch.len()
                )));
            }
            for (i, v) in batch.into_iter().zip(vecs) {
                out[start + i] = Some(v);
            }
        }
        Ok(())
    };

    if texts.len() <= WINDOW {
        run_window(0, tokenize(texts)?)?;
    } else {
        std::thread::scope(|scope| -> Result<(), EmbedError> {
            let (tx, rx) =
                crossbeam_channel::bounded::<Result<(usize, Vec<Encoding>), EmbedError>>(1);
            let tokenize = &tokenize;
            scope.spawn(move || {
                for (w, chunk) in texts.chunks(WINDOW).enumerate() {
                    let item = tokenize(chunk).map(|e| (w * WINDOW, e));
                    let failed = item.is_err();
                    if tx.send(item).is_err() || failed {
                        break;
                    }
                }
            });
            for item in rx.iter() {
                let (start, encs) = item?;
                run_window(start, encs)?;
            }
            Ok(())
        })?;
    }
    out.into_iter()
        .enumerate()
        .map(|(i, v)| v.ok_or_else(|| EmbedError::Inference(format!("text #{i} was not embedded"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_respects_budget_and_covers_all() {
        let lengths = [10, 200, 30, 190, 5, 60, 61, 62];
        let batches = plan(&lengths, 256);
        let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
        seen.sort();
        assert_eq!(seen, (0..lengths.len()).collect::<Vec<_>>());
        for b in &batches {
            let longest = b.iter().map(|&i| lengths[i]).max().unwrap();
            assert!(b.len() == 1 || longest * b.len() <= 256, "{b:?}");
        }
        // longest first
        assert_eq!(batches[0], vec![1]);
    }

    #[test]
    fn oversized_item_gets_own_batch() {
        assert_eq!(plan(&[1000, 1], 100), vec![vec![0], vec![1]]);
        assert!(plan(&[], 100).is_empty());
    }
}
