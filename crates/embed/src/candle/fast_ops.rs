//! Vectorized exact-GELU and row softmax for the BERT CPU path. candle
//! 0.11 computes both with scalar code at ~10 ns per element, which made
//! them cost more than all linear layers together on ~200-token batches.
//! `exp` uses a degree-6 polynomial with AVX-512 `scalef` (rel. error
//! < 2e-7); `erf` is the rational approximation Eigen and XLA use for f32
//! (`x·P(x²)/Q(x²)` on [-4, 4], a few ulp): no `exp`, no divide (the
//! reciprocal is `rcp14` plus a Newton step), about 20 vector ops per 16.

use candle_core::{CpuStorage, CustomOp1, Layout, Shape};
use rayon::prelude::*;

/// Exact (erf) GELU in place.
pub(crate) fn gelu_inplace(xs: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if super::tile::avx512_available() {
            // SAFETY: feature detected at run time; only `xs` is accessed.
            unsafe { avx512::gelu(xs) };
            return;
        }
    }
    for x in xs {
        *x = 0.5 * *x * (1.0 + erf_scalar(*x * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// Numerator (odd, `x·P(x²)`, highest power first) and denominator (even)
/// coefficients of the f32 `erf` approximation on [-4, 4].
const ERF_P: [f32; 7] = [
    -2.726_142_3e-10,
    2.770_681_4e-8,
    -2.101_024e-6,
    -5.692_506_4e-5,
    -7.349_906_3e-4,
    -2.954_600_2e-3,
    -1.609_603_3e-2,
];
const ERF_Q: [f32; 5] = [
    -1.456_607_2e-5,
    -2.133_740_6e-4,
    -1.682_827e-3,
    -7.373_329e-3,
    -1.426_473_9e-2,
];

fn erf_scalar(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let p = ERF_P.iter().fold(0.0, |acc, &c| acc * x2 + c);
    let q = ERF_Q.iter().fold(0.0, |acc, &c| acc * x2 + c);
    x * p / q
}

/// Softmax over the last dimension of a contiguous f32 tensor.
pub(crate) struct SoftmaxLastDim;

impl CustomOp1 for SoftmaxLastDim {
    fn name(&self) -> &'static str {
        "fast-softmax-last-dim"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(all) = storage else {
            candle_core::bail!("fast softmax expects f32");
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("fast softmax expects a contiguous tensor");
        };
        let row = layout.shape().dims().last().copied().unwrap_or(1).max(1);
        let mut out = all[start..end].to_vec();
        out.par_chunks_mut(row * 64).for_each(|rows| {
            for r in rows.chunks_mut(row) {
                softmax_row(r);
            }
        });
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

fn softmax_row(r: &mut [f32]) {
    let sum = exp_shifted(r, None);
    let inv = 1.0 / sum;
    r.iter_mut().for_each(|x| *x *= inv);
}

/// The unnormalized softmax of `r + bias` in place: `r = exp(r + bias -
/// max)`; returns the sum, by which the caller divides (attention scales
/// its 32-wide output row instead of the whole probability row). `bias`,
/// e.g. an additive attention mask, must match `r`'s length or it is
/// ignored.
pub(crate) fn exp_shifted(r: &mut [f32], bias: Option<&[f32]>) -> f32 {
    let bias = bias.filter(|b| b.len() == r.len());
    #[cfg(target_arch = "x86_64")]
    {
        if super::tile::avx512_available() {
            // SAFETY: feature detected at run time; only `r` and `bias`
            // (same length as `r`, checked above) are accessed.
            return unsafe { avx512::exp_shifted(r, bias) };
        }
    }
    if let Some(b) = bias {
        r.iter_mut().zip(b).for_each(|(x, b)| *x += b);
    }
    let max = r.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for x in r.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    sum
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx512f")]
    unsafe fn exp(x: __m512) -> __m512 {
        let x = _mm512_max_ps(
            _mm512_min_ps(x, _mm512_set1_ps(88.0)),
            _mm512_set1_ps(-88.0),
        );
        let y = _mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::LOG2_E));
        let n = _mm512_roundscale_ps::<0x08>(y); // round to nearest, no exceptions
        let f = _mm512_mul_ps(_mm512_sub_ps(y, n), _mm512_set1_ps(std::f32::consts::LN_2));
        // e^f for f in [-ln2/2, ln2/2], Taylor to degree 6.
        let mut p = _mm512_set1_ps(1.0 / 720.0);
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0 / 120.0));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0 / 24.0));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0 / 6.0));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0.5));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0));
        _mm512_scalef_ps(p, n)
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn gelu16(x: __m512) -> __m512 {
        use super::{ERF_P, ERF_Q};
        let z = _mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::FRAC_1_SQRT_2));
        let z = _mm512_max_ps(_mm512_min_ps(z, _mm512_set1_ps(4.0)), _mm512_set1_ps(-4.0));
        let z2 = _mm512_mul_ps(z, z);
        let mut p = _mm512_set1_ps(ERF_P[0]);
        for &c in &ERF_P[1..] {
            p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(c));
        }
        let mut q = _mm512_set1_ps(ERF_Q[0]);
        for &c in &ERF_Q[1..] {
            q = _mm512_fmadd_ps(q, z2, _mm512_set1_ps(c));
        }
        // 1/q: 14-bit reciprocal plus one Newton step (rel. error ~1e-8),
        // several times the throughput of a divide.
        let r = _mm512_rcp14_ps(q);
        let r = _mm512_mul_ps(r, _mm512_fnmadd_ps(q, r, _mm512_set1_ps(2.0)));
        let erf = _mm512_mul_ps(_mm512_mul_ps(z, p), r);
        // 0.5·x·(1 + erf)
        let half_x = _mm512_mul_ps(_mm512_set1_ps(0.5), x);
        _mm512_fmadd_ps(half_x, erf, half_x)
    }

    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn gelu(xs: &mut [f32]) {
        let mut chunks = xs.chunks_exact_mut(16);
        for c in &mut chunks {
            let v = _mm512_loadu_ps(c.as_ptr());
            _mm512_storeu_ps(c.as_mut_ptr(), gelu16(v));
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            let mut buf = [0f32; 16];
            buf[..rest.len()].copy_from_slice(rest);
            let v = gelu16(_mm512_loadu_ps(buf.as_ptr()));
            _mm512_storeu_ps(buf.as_mut_ptr(), v);
            let n = rest.len();
            rest.copy_from_slice(&buf[..n]);
        }
    }

    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn exp_shifted(r: &mut [f32], bias: Option<&[f32]>) -> f32 {
        let n = r.len();
        let full = n / 16 * 16;
        let tail_mask: __mmask16 = ((1u32 << (n - full)) - 1) as __mmask16;
        let p = r.as_mut_ptr();
        let mut m = _mm512_set1_ps(f32::NEG_INFINITY);
        let mut i = 0;
        if let Some(b) = bias {
            let b = b.as_ptr();
            while i < full {
                let v = _mm512_add_ps(_mm512_loadu_ps(p.add(i)), _mm512_loadu_ps(b.add(i)));
                _mm512_storeu_ps(p.add(i), v);
                m = _mm512_max_ps(m, v);
                i += 16;
            }
            if tail_mask != 0 {
                let v = _mm512_add_ps(
                    _mm512_maskz_loadu_ps(tail_mask, p.add(full)),
                    _mm512_maskz_loadu_ps(tail_mask, b.add(full)),
                );
                _mm512_mask_storeu_ps(p.add(full), tail_mask, v);
                m = _mm512_mask_max_ps(m, tail_mask, m, v);
            }
        } else {
            while i < full {
                m = _mm512_max_ps(m, _mm512_loadu_ps(p.add(i)));
                i += 16;
            }
            if tail_mask != 0 {
                m = _mm512_mask_max_ps(
                    m,
                    tail_mask,
                    m,
                    _mm512_maskz_loadu_ps(tail_mask, p.add(full)),
                );
            }
        }
        let max = _mm512_set1_ps(_mm512_reduce_max_ps(m));
        let mut s = _mm512_setzero_ps();
        i = 0;
        while i < full {
            let e = exp(_mm512_sub_ps(_mm512_loadu_ps(p.add(i)), max));
            _mm512_storeu_ps(p.add(i), e);
            s = _mm512_add_ps(s, e);
            i += 16;
        }
        if tail_mask != 0 {
            let e = exp(_mm512_sub_ps(
                _mm512_maskz_loadu_ps(tail_mask, p.add(full)),
                max,
            ));
            _mm512_mask_storeu_ps(p.add(full), tail_mask, e);
            s = _mm512_mask_add_ps(s, tail_mask, s, e);
        }
        _mm512_reduce_add_ps(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    #[test]
    fn gelu_matches_candle() {
        use std::sync::atomic::Ordering;
        let x = Tensor::randn(0f32, 3.0, 4000, &Device::Cpu).unwrap();
        let x = Tensor::cat(
            &[
                &x,
                &Tensor::new(&[-9f32, -5.7, 5.7, 9.0, 0.0], &Device::Cpu).unwrap(),
            ],
            0,
        )
        .unwrap();
        let want: Vec<f32> = x.gelu_erf().unwrap().to_vec1().unwrap();
        for portable in [false, true] {
            super::super::tile::FORCE_PORTABLE.store(portable, Ordering::Relaxed);
            let mut got: Vec<f32> = x.to_vec1().unwrap();
            gelu_inplace(&mut got);
            super::super::tile::FORCE_PORTABLE.store(false, Ordering::Relaxed);
            let d = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
                .fold(0f32, f32::max);
            assert!(d < 2e-6, "portable {portable}: {d}");
        }
    }

    #[test]
    fn softmax_matches_candle() {
        for len in [1, 7, 16, 33, 205] {
            let x = (Tensor::randn(0f32, 4.0, (5, len), &Device::Cpu).unwrap()
                - 1e9 * (len % 2) as f64)
                .unwrap();
            let want: Vec<f32> = candle_nn::ops::softmax_last_dim(&x)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            let got: Vec<f32> = x
                .apply_op1_no_bwd(&SoftmaxLastDim)
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
            assert!(d < 1e-6, "len {len}: {d}");
        }
    }
}
