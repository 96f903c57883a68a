//! Vector post-processing shared by every local backend: L2 normalization,
//! Matryoshka truncation and the finite-values check.

use crate::EmbedError;

/// Truncates to `dims` (when shorter than the vector) and L2-normalizes.
/// Fails with [`EmbedError::InvalidVector`] on NaN/inf or an all-zero vector,
/// so a broken model never silently writes garbage into an index.
pub(crate) fn finish(mut v: Vec<f32>, dims: Option<usize>) -> Result<Vec<f32>, EmbedError> {
    if let Some(d) = dims {
        if d < v.len() {
            v.truncate(d);
        }
    }
    normalize(&mut v)?;
    Ok(v)
}

/// L2-normalizes in place, rejecting non-finite or zero vectors.
pub(crate) fn normalize(v: &mut [f32]) -> Result<(), EmbedError> {
    if let Some(bad) = v.iter().position(|x| !x.is_finite()) {
        return Err(EmbedError::InvalidVector(format!(
            "component {bad} of {} is {}",
            v.len(),
            v[bad]
        )));
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return Err(EmbedError::InvalidVector(format!(
            "vector of {} components has norm {norm}",
            v.len()
        )));
    }
    v.iter_mut().for_each(|x| *x /= norm);
    Ok(())
}

/// Zero vector fallback for empty input is not allowed; callers pass this for
/// an input that tokenized to nothing so the error names the position.
pub(crate) fn empty_input(index: usize) -> EmbedError {
    EmbedError::InvalidVector(format!("text #{index} produced no tokens"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_truncates() {
        let v = finish(vec![3.0, 4.0, 12.0], Some(2)).unwrap();
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn rejects_nan_and_zero() {
        assert!(matches!(
            finish(vec![f32::NAN, 1.0], None),
            Err(EmbedError::InvalidVector(_))
        ));
        assert!(matches!(
            finish(vec![0.0, 0.0], None),
            Err(EmbedError::InvalidVector(_))
        ));
        assert!(finish(vec![f32::INFINITY], None).is_err());
    }
}
