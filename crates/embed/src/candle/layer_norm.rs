//! LayerNorm for the BERT path. On CPU the rows are normalized by
//! [`norm_rows`], which the packed linear layers also call in their
//! epilogue (residual add + LayerNorm while the rows are still in cache);
//! candle 0.11's CPU layer-norm runs one rayon task per row with scalar
//! sums. Other devices use `candle_nn::ops::layer_norm`.

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use candle_nn::VarBuilder;
use rayon::prelude::*;

/// Rows per parallel work item of the stand-alone CPU op.
const ROWS_PER_TASK: usize = 64;

/// A LayerNorm's parameters; the CPU copies are what the fused epilogue uses.
pub(crate) struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    gamma: Vec<f32>,
    beta: Vec<f32>,
    eps: f32,
}

impl LayerNorm {
    /// Reads `weight`/`bias` (or the older `gamma`/`beta`) of width `size`.
    pub(crate) fn load(vb: VarBuilder, size: usize, eps: f64) -> Result<Self> {
        let (weight, bias) = match (vb.get(size, "weight"), vb.get(size, "bias")) {
            (Ok(w), Ok(b)) => (w, b),
            _ => (vb.get(size, "gamma")?, vb.get(size, "beta")?),
        };
        Self::new(weight, bias, eps)
    }

    /// From the scale and shift tensors (CPU copies are taken when on CPU).
    pub(crate) fn new(weight: Tensor, bias: Tensor, eps: f64) -> Result<Self> {
        let (gamma, beta) = if weight.device().is_cpu() {
            (
                weight.to_dtype(candle_core::DType::F32)?.to_vec1()?,
                bias.to_dtype(candle_core::DType::F32)?.to_vec1()?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Self {
            weight,
            bias,
            gamma,
            beta,
            eps: eps as f32,
        })
    }

    /// The row parameters for the CPU kernels, when the weights are on CPU.
    pub(crate) fn cpu(&self) -> Option<RowNorm<'_>> {
        (!self.gamma.is_empty()).then_some(RowNorm {
            gamma: &self.gamma,
            beta: &self.beta,
            eps: self.eps,
        })
    }

    /// Normalizes the last dimension of `x`.
    pub(crate) fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self.cpu() {
            Some(op) if x.device().is_cpu() && x.dtype() == candle_core::DType::F32 => {
                x.contiguous()?.apply_op1_no_bwd(&op)
            }
            _ => candle_nn::ops::layer_norm(x, &self.weight, &self.bias, self.eps),
        }
    }
}

/// Borrowed LayerNorm parameters (`gamma`, `beta` of the row width).
#[derive(Clone, Copy)]
pub(crate) struct RowNorm<'a> {
    pub(crate) gamma: &'a [f32],
    pub(crate) beta: &'a [f32],
    pub(crate) eps: f32,
}

impl RowNorm<'_> {
    /// Normalizes each `gamma.len()`-wide row of `rows` in place
    /// (two-pass mean and variance, like PyTorch), after adding the same
    /// rows of `residual` when given.
    pub(crate) fn apply(&self, rows: &mut [f32], residual: Option<&[f32]>) {
        let w = self.gamma.len();
        if w == 0 || self.beta.len() != w || residual.is_some_and(|r| r.len() < rows.len()) {
            return;
        }
        for (i, row) in rows.chunks_exact_mut(w).enumerate() {
            let res = residual.map(|r| &r[i * w..(i + 1) * w]);
            #[cfg(target_arch = "x86_64")]
            {
                if super::tile::avx512_available() {
                    // SAFETY: feature detected at run time; `row`, `res`,
                    // `gamma` and `beta` all have length `w` (checked above).
                    unsafe { avx512::norm(row, res, self.gamma, self.beta, self.eps) };
                    continue;
                }
            }
            if let Some(res) = res {
                row.iter_mut().zip(res).for_each(|(v, r)| *v += r);
            }
            let n = w as f32;
            let mean = row.iter().sum::<f32>() / n;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
            let inv = 1.0 / (var + self.eps).sqrt();
            for ((v, g), b) in row.iter_mut().zip(self.gamma).zip(self.beta) {
                *v = (*v - mean) * inv * g + b;
            }
        }
    }
}

impl CustomOp1 for RowNorm<'_> {
    fn name(&self) -> &'static str {
        "fast-layer-norm"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(all) = storage else {
            candle_core::bail!("fast layer-norm expects f32");
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("fast layer-norm expects a contiguous tensor");
        };
        let w = self.gamma.len();
        if layout.shape().dims().last() != Some(&w) || self.beta.len() != w {
            candle_core::bail!(
                "layer-norm width {w} does not match input {:?}",
                layout.shape()
            );
        }
        let mut out = all[start..end].to_vec();
        out.par_chunks_mut(ROWS_PER_TASK * w)
            .for_each(|rows| self.apply(rows, None));
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    /// `Σ (r[i] - mean)²` over 16 lanes; the tail is masked.
    #[target_feature(enable = "avx512f")]
    unsafe fn centered_sums(r: &[f32], mean: f32) -> f32 {
        let n = r.len();
        let full = n / 16 * 16;
        let p = r.as_ptr();
        let m = _mm512_set1_ps(mean);
        let mut s = _mm512_setzero_ps();
        let mut i = 0;
        while i < full {
            let d = _mm512_sub_ps(_mm512_loadu_ps(p.add(i)), m);
            s = _mm512_fmadd_ps(d, d, s);
            i += 16;
        }
        let tail: __mmask16 = ((1u32 << (n - full)) - 1) as __mmask16;
        if tail != 0 {
            let d = _mm512_maskz_sub_ps(tail, _mm512_maskz_loadu_ps(tail, p.add(full)), m);
            s = _mm512_fmadd_ps(d, d, s);
        }
        _mm512_reduce_add_ps(s)
    }

    /// `r = LayerNorm(r + res)`; `res`, `gamma`, `beta` have `r`'s length.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn norm(
        r: &mut [f32],
        res: Option<&[f32]>,
        gamma: &[f32],
        beta: &[f32],
        eps: f32,
    ) {
        let n = r.len();
        let full = n / 16 * 16;
        let tail: __mmask16 = ((1u32 << (n - full)) - 1) as __mmask16;
        let p = r.as_mut_ptr();
        let mut s = _mm512_setzero_ps();
        let mut i = 0;
        if let Some(res) = res {
            let q = res.as_ptr();
            while i < full {
                let v = _mm512_add_ps(_mm512_loadu_ps(p.add(i)), _mm512_loadu_ps(q.add(i)));
                _mm512_storeu_ps(p.add(i), v);
                s = _mm512_add_ps(s, v);
                i += 16;
            }
            if tail != 0 {
                let v = _mm512_add_ps(
                    _mm512_maskz_loadu_ps(tail, p.add(full)),
                    _mm512_maskz_loadu_ps(tail, q.add(full)),
                );
                _mm512_mask_storeu_ps(p.add(full), tail, v);
                s = _mm512_add_ps(s, v);
            }
        } else {
            while i < full {
                s = _mm512_add_ps(s, _mm512_loadu_ps(p.add(i)));
                i += 16;
            }
            if tail != 0 {
                s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(tail, p.add(full)));
            }
        }
        let mean = _mm512_reduce_add_ps(s) / n as f32;
        let var = centered_sums(r, mean) / n as f32;
        let inv = _mm512_set1_ps(1.0 / (var + eps).sqrt());
        let m = _mm512_set1_ps(mean);
        let (g, b) = (gamma.as_ptr(), beta.as_ptr());
        i = 0;
        while i < full {
            let v = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(p.add(i)), m), inv);
            let v = _mm512_fmadd_ps(v, _mm512_loadu_ps(g.add(i)), _mm512_loadu_ps(b.add(i)));
            _mm512_storeu_ps(p.add(i), v);
            i += 16;
        }
        if tail != 0 {
            let x = _mm512_maskz_loadu_ps(tail, p.add(full));
            let v = _mm512_mul_ps(_mm512_sub_ps(x, m), inv);
            let v = _mm512_fmadd_ps(
                v,
                _mm512_maskz_loadu_ps(tail, g.add(full)),
                _mm512_maskz_loadu_ps(tail, b.add(full)),
            );
            _mm512_mask_storeu_ps(p.add(full), tail, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn matches_candle_layer_norm() {
        for w in [5, 16, 37, 384] {
            let x = (Tensor::randn(0f32, 2.0, (70, w), &Device::Cpu).unwrap() + 3.0).unwrap();
            let g = Tensor::randn(1f32, 0.2, w, &Device::Cpu).unwrap();
            let b = Tensor::randn(0f32, 0.2, w, &Device::Cpu).unwrap();
            let want: Vec<f32> = candle_nn::ops::layer_norm_slow(&x, &g, &b, 1e-12)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            let (gv, bv): (Vec<f32>, Vec<f32>) = (g.to_vec1().unwrap(), b.to_vec1().unwrap());
            let op = RowNorm {
                gamma: &gv,
                beta: &bv,
                eps: 1e-12,
            };
            let got: Vec<f32> = x
                .apply_op1_no_bwd(&op)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            let d = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            assert!(d < 1e-5, "width {w}: {d}");
        }
    }
}
