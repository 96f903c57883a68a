//! Multi-head self-attention for the BERT path.
//!
//! On CPU one fused op reads the QKV projection output `(b, l, 3·hidden)`
//! (per token: all query heads, then all key heads, then all value heads)
//! in place and writes the context straight into `(b, l, hidden)`: per
//! (text, head) it packs that head's keys and values once, then for each
//! 12-query block computes `q·kᵀ·scale + mask` with the shared register
//! tile, the softmax, and `·v`, all in L1/L2. Compared with the candle
//! graph this removes the q/k/v and context transposes (copies), the
//! broadcast mask add, and candle's AVX2 batched matmul. Keys past a
//! text's last unmasked position are skipped (their weight is exactly 0).
//! Other devices keep the candle graph ([`candle_attention`]).

use candle_core::{CpuStorage, CustomOp2, DType, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::tile::{self, Strides, MR, NR, ZERO_ROW};

/// Additive mask values at or below this mark a masked (padding) key.
const MASKED: f32 = -1e4;

/// Self-attention over `qkv` `(b, l, 3·heads·head_dim)` with the additive
/// mask `neg` `(b, l)` (0 for real tokens, a large negative for padding).
/// Returns the context `(b, l, heads·head_dim)`.
pub(crate) fn attention(
    qkv: &Tensor,
    neg: &Tensor,
    heads: usize,
    head_dim: usize,
) -> Result<Tensor> {
    if qkv.device().is_cpu() && qkv.dtype() == DType::F32 && neg.dtype() == DType::F32 {
        let op = FusedAttention {
            heads,
            head_dim,
            scale: 1.0 / (head_dim as f32).sqrt(),
        };
        return qkv.contiguous()?.apply_op2_no_bwd(&neg.contiguous()?, &op);
    }
    candle_attention(qkv, neg, heads, head_dim)
}

/// The same computation as candle tensor ops, for GPUs (and as the
/// reference in tests).
pub(crate) fn candle_attention(
    qkv: &Tensor,
    neg: &Tensor,
    heads: usize,
    head_dim: usize,
) -> Result<Tensor> {
    let (b, l, _) = qkv.dims3()?;
    let qkv = qkv.reshape((b, l, 3, heads, head_dim))?;
    let part = |i: usize| -> Result<Tensor> {
        qkv.narrow(2, i, 1)?
            .squeeze(2)?
            .transpose(1, 2)?
            .contiguous()
    };
    let scale = 1.0 / (head_dim as f64).sqrt();
    let (q, k, v) = ((part(0)? * scale)?, part(1)?, part(2)?);
    let neg = neg.reshape((b, 1, 1, l))?;
    let scores = q.matmul(&k.t()?)?.broadcast_add(&neg)?;
    let probs = if scores.device().is_cpu() {
        scores.apply_op1_no_bwd(&super::fast_ops::SoftmaxLastDim)?
    } else {
        candle_nn::ops::softmax_last_dim(&scores)?
    };
    probs
        .matmul(&v)?
        .transpose(1, 2)?
        .reshape((b, l, heads * head_dim))
}

/// The fused CPU op; see the module docs.
struct FusedAttention {
    heads: usize,
    head_dim: usize,
    scale: f32,
}

/// Per-thread buffers, reused across the heads a rayon job processes.
#[derive(Default)]
struct Scratch {
    /// One head's scaled queries, `head_dim` apart, zero rows up to a multiple of `MR`.
    q: Vec<f32>,
    /// One head's keys, `head_dim` apart.
    k: Vec<f32>,
    /// The keys transposed into `NR`-key panels (`head_dim × NR` each).
    kt: Vec<f32>,
    /// One head's values, rows zero-padded to a multiple of `NR`.
    v: Vec<f32>,
    /// Scores, then unnormalized probabilities, of one query block (`MR` rows).
    s: Vec<f32>,
}

impl CustomOp2 for FusedAttention {
    fn name(&self) -> &'static str {
        "fused-attention"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (CpuStorage::F32(qkv), Some((q0, q1))) = (s1, l1.contiguous_offsets()) else {
            candle_core::bail!("fused attention expects a contiguous f32 qkv");
        };
        let (CpuStorage::F32(neg), Some((m0, m1))) = (s2, l2.contiguous_offsets()) else {
            candle_core::bail!("fused attention expects a contiguous f32 mask");
        };
        let (b, l, three_h) = l1.shape().dims3()?;
        let h = self.heads * self.head_dim;
        if self.head_dim == 0 || three_h != 3 * h || l2.shape().dims2()? != (b, l) {
            candle_core::bail!(
                "fused attention: qkv {:?} / mask {:?} do not fit {} heads of {}",
                l1.shape(),
                l2.shape(),
                self.heads,
                self.head_dim
            );
        }
        let (qkv, neg) = (&qkv[q0..q1], &neg[m0..m1]);
        let mut out = vec![0f32; b * l * h];
        // One group per (text, head): that head's `head_dim` columns of each
        // of the text's rows, so the parallel jobs own disjoint slices.
        let mut groups: Vec<Vec<&mut [f32]>> =
            (0..b * self.heads).map(|_| Vec::with_capacity(l)).collect();
        for (i, cols) in out.chunks_exact_mut(self.head_dim).enumerate() {
            let (row, head) = (i / self.heads, i % self.heads);
            groups[(row / l) * self.heads + head].push(cols);
        }
        groups.into_par_iter().enumerate().for_each_init(
            Scratch::default,
            |scratch, (g, mut rows)| {
                let (bi, head) = (g / self.heads, g % self.heads);
                let text = &qkv[bi * l * 3 * h..(bi + 1) * l * 3 * h];
                let mask = &neg[bi * l..(bi + 1) * l];
                self.head(text, mask, head, &mut rows, scratch);
            },
        );
        Ok((CpuStorage::F32(out), Shape::from((b, l, h))))
    }
}

impl FusedAttention {
    /// Attention of one head over one text: `text` is its `(l, 3·h)` QKV
    /// rows, `out` its `l` context slices of `head_dim`.
    fn head(
        &self,
        text: &[f32],
        mask: &[f32],
        head: usize,
        out: &mut [&mut [f32]],
        s: &mut Scratch,
    ) {
        let hd = self.head_dim;
        let l = mask.len();
        let ld = 3 * self.heads * hd;
        // Trailing masked keys get weight exp(-1e9) = 0: skip them. A text
        // with no unmasked key keeps all (uniform weights, as in candle).
        let kv_len = match mask.iter().rposition(|&m| m > MASKED) {
            Some(last) => last + 1,
            None => l,
        };
        let mask = &mask[..kv_len];
        let bias = mask.iter().any(|&m| m != 0.0).then_some(mask);
        let hd_pad = hd.div_ceil(NR) * NR;
        let ld_s = kv_len.div_ceil(NR) * NR;
        let layout = HeadLayout {
            ld,
            q_off: head * hd,
            k_off: (self.heads + head) * hd,
            v_off: (2 * self.heads + head) * hd,
            hd,
            hd_pad,
            l,
            kv_len,
        };
        load_head(text, &layout, self.scale, s);
        transpose_keys(&s.k, hd, kv_len, &mut s.kt);
        s.s.resize(MR * ld_s, 0.0);
        let mut acc = [0f32; MR * NR];
        let mut inv = [0f32; MR];
        let mut r0 = 0;
        while r0 < l {
            let rows = (l - r0).min(MR);
            let q = &s.q[r0 * hd..];
            for p in 0..ld_s / NR {
                let panel = &s.kt[p * hd * NR..(p + 1) * hd * NR];
                let st = Strides {
                    ldx: hd,
                    ldw: NR,
                    ldo: ld_s,
                    k: hd,
                };
                tile::tile(q, panel, &ZERO_ROW, st, &mut s.s[p * NR..]);
            }
            for (i, inv) in inv.iter_mut().enumerate().take(rows) {
                let row = &mut s.s[i * ld_s..i * ld_s + kv_len];
                *inv = 1.0 / super::fast_ops::exp_shifted(row, bias);
            }
            for p in 0..hd_pad / NR {
                let st = Strides {
                    ldx: ld_s,
                    ldw: hd_pad,
                    ldo: NR,
                    k: kv_len,
                };
                tile::tile(&s.s, &s.v[p * NR..], &ZERO_ROW, st, &mut acc[..]);
                let cols = (hd - p * NR).min(NR);
                for i in 0..rows {
                    let dst = &mut out[r0 + i][p * NR..p * NR + cols];
                    for (d, a) in dst.iter_mut().zip(&acc[i * NR..i * NR + cols]) {
                        *d = a * inv[i];
                    }
                }
            }
            r0 += rows;
        }
    }
}

/// Where one head's data sits in a text's QKV rows, and its sizes.
struct HeadLayout {
    /// Floats per QKV row.
    ld: usize,
    q_off: usize,
    k_off: usize,
    v_off: usize,
    hd: usize,
    /// `hd` rounded up to a multiple of `NR` (value row stride).
    hd_pad: usize,
    /// Tokens (query rows).
    l: usize,
    /// Keys attended to.
    kv_len: usize,
}

/// Copies one head's queries (scaled), keys and values out of the QKV rows
/// into contiguous buffers, in one pass. The rows are `ld` floats (4.5 KiB
/// for MiniLM) apart, beyond the hardware prefetcher's 4 KiB page reach,
/// so the AVX-512 path prefetches a few rows ahead.
fn load_head(text: &[f32], h: &HeadLayout, scale: f32, s: &mut Scratch) {
    s.q.clear();
    s.q.resize(h.l.div_ceil(MR) * MR * h.hd, 0.0);
    s.k.clear();
    s.k.resize(h.kv_len * h.hd, 0.0);
    s.v.clear();
    s.v.resize(h.kv_len * h.hd_pad, 0.0);
    let fits = h.q_off.max(h.k_off).max(h.v_off) + h.hd <= h.ld && text.len() >= h.l * h.ld;
    #[cfg(target_arch = "x86_64")]
    {
        if fits && tile::avx512_available() {
            // SAFETY: feature detected at run time; `fits` keeps every
            // row read (`j·ld + off .. + hd`, j < l) inside `text`; the
            // buffers were sized above for the writes.
            unsafe { avx512::load_head(text, h, scale, s) };
            return;
        }
    }
    let _ = fits;
    for (j, row) in text.chunks_exact(h.ld).take(h.l).enumerate() {
        let q = &mut s.q[j * h.hd..(j + 1) * h.hd];
        for (d, &x) in q.iter_mut().zip(&row[h.q_off..h.q_off + h.hd]) {
            *d = x * scale;
        }
        if j < h.kv_len {
            s.k[j * h.hd..(j + 1) * h.hd].copy_from_slice(&row[h.k_off..h.k_off + h.hd]);
            s.v[j * h.hd_pad..j * h.hd_pad + h.hd].copy_from_slice(&row[h.v_off..h.v_off + h.hd]);
        }
    }
}

/// Transposes `kv_len` keys of `hd` floats into `NR`-key panels, `hd × NR`
/// each, zero-padded (the `W` operand of the score tile).
fn transpose_keys(k: &[f32], hd: usize, kv_len: usize, kt: &mut Vec<f32>) {
    let panels = kv_len.div_ceil(NR);
    kt.clear();
    kt.resize(panels * hd * NR, 0.0);
    #[cfg(target_arch = "x86_64")]
    {
        if k.len() >= kv_len * hd && tile::avx512_available() {
            // SAFETY: feature detected at run time; reads stay in the
            // first `kv_len·hd` floats of `k` (checked) and writes inside
            // `kt`, sized above.
            unsafe { avx512::transpose_keys(k, hd, kv_len, kt) };
            return;
        }
    }
    for (j, key) in k.chunks_exact(hd).take(kv_len).enumerate() {
        let (p, c) = (j / NR, j % NR);
        for (d, &x) in key.iter().enumerate() {
            kt[(p * hd + d) * NR + c] = x;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{HeadLayout, Scratch, NR};
    use std::arch::x86_64::*;

    /// Rows prefetched ahead of the copy.
    const AHEAD: usize = 8;

    /// Copies `n` floats (masked tail), multiplied by `scale`.
    #[target_feature(enable = "avx512f")]
    unsafe fn copy_scaled(src: *const f32, dst: *mut f32, n: usize, scale: __m512) {
        let mut d = 0;
        while d < n {
            let m: __mmask16 = if n - d >= 16 {
                0xffff
            } else {
                ((1u32 << (n - d)) - 1) as __mmask16
            };
            let x = _mm512_maskz_loadu_ps(m, src.add(d));
            _mm512_mask_storeu_ps(dst.add(d), m, _mm512_mul_ps(x, scale));
            d += 16;
        }
    }

    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn load_head(text: &[f32], h: &HeadLayout, scale: f32, s: &mut Scratch) {
        let (t, one, scale) = (text.as_ptr(), _mm512_set1_ps(1.0), _mm512_set1_ps(scale));
        for j in 0..h.l {
            if j + AHEAD < h.l {
                let row = t.add((j + AHEAD) * h.ld);
                for off in [h.q_off, h.k_off, h.v_off] {
                    let mut d = 0;
                    while d < h.hd {
                        _mm_prefetch::<_MM_HINT_T0>(row.add(off + d) as *const i8);
                        d += 16;
                    }
                }
            }
            let row = t.add(j * h.ld);
            copy_scaled(
                row.add(h.q_off),
                s.q.as_mut_ptr().add(j * h.hd),
                h.hd,
                scale,
            );
            if j < h.kv_len {
                copy_scaled(row.add(h.k_off), s.k.as_mut_ptr().add(j * h.hd), h.hd, one);
                copy_scaled(
                    row.add(h.v_off),
                    s.v.as_mut_ptr().add(j * h.hd_pad),
                    h.hd,
                    one,
                );
            }
        }
    }

    /// Transposes 16 rows of 16 in registers: four butterfly rounds, each
    /// swapping one bit of the row index with the same bit of the lane.
    #[target_feature(enable = "avx512f")]
    unsafe fn transpose16(r: &mut [__m512; 16]) {
        for b in [8usize, 4, 2, 1] {
            let mut lo = [0i32; 16];
            let mut hi = [0i32; 16];
            for lane in 0..16 {
                let (lo_src, hi_src) = if lane & b == 0 {
                    (lane, lane + b)
                } else {
                    (16 + lane - b, 16 + lane)
                };
                lo[lane] = lo_src as i32;
                hi[lane] = hi_src as i32;
            }
            let lo = _mm512_loadu_si512(lo.as_ptr() as *const __m512i);
            let hi = _mm512_loadu_si512(hi.as_ptr() as *const __m512i);
            for i in 0..16 {
                if i & b == 0 {
                    let (a, c) = (r[i], r[i + b]);
                    r[i] = _mm512_permutex2var_ps(a, lo, c);
                    r[i + b] = _mm512_permutex2var_ps(a, hi, c);
                }
            }
        }
    }

    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn transpose_keys(k: &[f32], hd: usize, kv_len: usize, kt: &mut [f32]) {
        let (kp, ktp) = (k.as_ptr(), kt.as_mut_ptr());
        let mut j0 = 0;
        while j0 < kv_len {
            let keys = (kv_len - j0).min(16);
            let (p, c0) = (j0 / NR, j0 % NR);
            let mut d0 = 0;
            while d0 < hd {
                let dims = (hd - d0).min(16);
                let m: __mmask16 = ((1u32 << dims) - 1) as __mmask16;
                let mut r = [_mm512_setzero_ps(); 16];
                for (c, row) in r.iter_mut().enumerate().take(keys) {
                    *row = _mm512_maskz_loadu_ps(m, kp.add((j0 + c) * hd + d0));
                }
                transpose16(&mut r);
                for (d, row) in r.iter().enumerate().take(dims) {
                    _mm512_storeu_ps(ktp.add((p * hd + d0 + d) * NR + c0), *row);
                }
                d0 += 16;
            }
            j0 += 16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// Additive mask with `real[i]` unmasked tokens at the start of text i.
    fn mask(real: &[usize], l: usize) -> Tensor {
        let v: Vec<f32> = real
            .iter()
            .flat_map(|&n| (0..l).map(move |j| if j < n { 0.0 } else { -1e9 }))
            .collect();
        Tensor::from_vec(v, (real.len(), l), &Device::Cpu).unwrap()
    }

    fn check(real: &[usize], l: usize, heads: usize, hd: usize) {
        let b = real.len();
        let qkv = Tensor::randn(0f32, 1.5, (b, l, 3 * heads * hd), &Device::Cpu).unwrap();
        let neg = mask(real, l);
        let got = attention(&qkv, &neg, heads, hd).unwrap();
        let want = candle_attention(&qkv, &neg, heads, hd).unwrap();
        assert_eq!(got.dims(), &[b, l, heads * hd]);
        let (g, w): (Vec<f32>, Vec<f32>) = (
            got.flatten_all().unwrap().to_vec1().unwrap(),
            want.flatten_all().unwrap().to_vec1().unwrap(),
        );
        // Rows of padding queries are compared too: both attend to the
        // text's real keys only.
        let d = g
            .iter()
            .zip(&w)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(d < 1e-5, "real {real:?} l {l} heads {heads} hd {hd}: {d}");
    }

    #[test]
    fn matches_candle_graph_with_padding() {
        check(&[1], 1, 12, 32);
        check(&[7], 7, 2, 32);
        check(&[205, 190, 3], 205, 12, 32);
        check(&[13, 40, 33], 41, 3, 32);
    }

    #[test]
    fn portable_fallbacks_match_too() {
        use std::sync::atomic::Ordering;
        tile::FORCE_PORTABLE.store(true, Ordering::Relaxed);
        let run = std::panic::catch_unwind(|| {
            check(&[13, 40, 33], 41, 3, 32);
            check(&[5, 17], 17, 3, 20);
        });
        tile::FORCE_PORTABLE.store(false, Ordering::Relaxed);
        run.unwrap();
    }

    #[test]
    fn odd_head_dims_and_masks() {
        check(&[5, 17], 17, 3, 20);
        check(&[50, 1], 50, 2, 64);
        check(&[9, 0], 11, 4, 40); // a text with no real token: uniform weights
    }
}
