//! Vectorized exact-GELU and row softmax for the BERT CPU path. candle
//! 0.11 computes both with scalar code at ~10 ns per element, which made
//! them cost more than all linear layers together on ~200-token batches.
//! `exp` uses a degree-6 polynomial with AVX-512 `scalef` (rel. error
//! < 2e-7); `erf` uses Abramowitz–Stegun 7.1.26 (abs. error < 1.5e-7).

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

fn erf_scalar(x: f32) -> f32 {
    let (p, a1, a2, a3, a4, a5) = (
        0.327_591_1f32,
        0.254_829_6,
        -0.284_496_74,
        1.421_413_7,
        -1.453_152_1,
        1.061_405_4,
    );
    let s = x.signum();
    let x = x.abs();
    let t = 1.0 / (1.0 + p * x);
    let y = 1.0 - ((((a5 * t + a4) * t + a3) * t + a2) * t + a1) * t * (-x * x).exp();
    s * y
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
        let z = _mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::FRAC_1_SQRT_2));
        let az = _mm512_abs_ps(z);
        let t = _mm512_div_ps(
            _mm512_set1_ps(1.0),
            _mm512_fmadd_ps(_mm512_set1_ps(0.327_591_1), az, _mm512_set1_ps(1.0)),
        );
        let mut p = _mm512_set1_ps(1.061_405_4);
        p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453_152_1));
        p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421_413_7));
        p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284_496_74));
        p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254_829_6));
        p = _mm512_mul_ps(p, t);
        let e = exp(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(az, az)));
        let erf_abs = _mm512_fnmadd_ps(p, e, _mm512_set1_ps(1.0));
        // copy the sign of z onto erf(|z|)
        let sign = _mm512_and_si512(_mm512_castps_si512(z), _mm512_set1_epi32(i32::MIN));
        let erf = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(erf_abs), sign));
        _mm512_mul_ps(
            _mm512_mul_ps(_mm512_set1_ps(0.5), x),
            _mm512_add_ps(_mm512_set1_ps(1.0), erf),
        )
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
        let x = Tensor::randn(0f32, 3.0, 1000, &Device::Cpu).unwrap();
        let want: Vec<f32> = x.gelu_erf().unwrap().to_vec1().unwrap();
        let mut got: Vec<f32> = x.to_vec1().unwrap();
        gelu_inplace(&mut got);
        let d = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(d < 1e-5, "{d}");
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
