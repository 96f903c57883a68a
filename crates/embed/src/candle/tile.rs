//! The MR×NR register-tile micro-kernel shared by the packed linear layers
//! ([`super::packed_linear`]) and the fused attention ([`super::attention`]).
//!
//! One call computes `out = init + X·W` for a 12-row block of `X` (rows
//! `ldx` floats apart) and one `k × 32` panel `W` (rows `ldw` floats
//! apart: `NR` for packed weights, the row width for a column block of a
//! row-major matrix), writing 12 rows of 32 `ldo` floats apart (straight
//! into the destination matrix, or into a small tile buffer). 24 zmm
//! accumulators stay in registers while the panel streams from L1/L2 and
//! `X` is broadcast one element at a time.

use std::mem::MaybeUninit;

/// Columns per packed panel (two zmm registers of f32).
pub(crate) const NR: usize = 32;
/// Rows of `X` per micro-kernel call.
pub(crate) const MR: usize = 12;

/// A zero `init` row, for products without a bias.
pub(crate) const ZERO_ROW: [f32; NR] = [0.0; NR];

/// Tests set this to run the portable fallbacks on an AVX-512 machine
/// (results must not change, only speed).
#[cfg(test)]
pub(crate) static FORCE_PORTABLE: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// True when the AVX-512 kernels can run on this CPU (checked once by
/// `std`'s feature cache).
pub(crate) fn avx512_available() -> bool {
    #[cfg(test)]
    if FORCE_PORTABLE.load(std::sync::atomic::Ordering::Relaxed) {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The operands of one [`tile`] call: row strides and depth.
#[derive(Clone, Copy)]
pub(crate) struct Strides {
    /// Floats between rows of `X`.
    pub(crate) ldx: usize,
    /// Floats between rows of the `W` panel.
    pub(crate) ldw: usize,
    /// Floats between output rows.
    pub(crate) ldo: usize,
    /// Depth (columns of `X` used, rows of `W`).
    pub(crate) k: usize,
}

/// An output slice for [`tile`], which only ever writes it: plain floats,
/// or not-yet-initialized ones (so a fresh output matrix needs no memset).
pub(crate) trait Out {
    /// Elements in the slice.
    fn len(&self) -> usize;
    /// Pointer to element 0, for the vector stores.
    fn ptr(&mut self) -> *mut f32;
    /// Writes element `i` if it exists.
    fn set(&mut self, i: usize, v: f32);
}

impl Out for [f32] {
    fn len(&self) -> usize {
        <[f32]>::len(self)
    }
    fn ptr(&mut self) -> *mut f32 {
        self.as_mut_ptr()
    }
    fn set(&mut self, i: usize, v: f32) {
        if let Some(o) = self.get_mut(i) {
            *o = v;
        }
    }
}

impl Out for [MaybeUninit<f32>] {
    fn len(&self) -> usize {
        <[MaybeUninit<f32>]>::len(self)
    }
    fn ptr(&mut self) -> *mut f32 {
        // `MaybeUninit<f32>` has the layout of `f32`.
        self.as_mut_ptr().cast()
    }
    fn set(&mut self, i: usize, v: f32) {
        if let Some(o) = self.get_mut(i) {
            o.write(v);
        }
    }
}

/// `out[i·ldo + j] = init[j] + Σ_kk xs[i·ldx + kk] · w[kk·ldw + j]` for
/// `i < MR`, `j < NR`. `xs` must hold `(MR-1)·ldx + k` floats, `w`
/// `(k-1)·ldw + NR` and `out` `(MR-1)·ldo + NR`; otherwise the slow path
/// reads missing inputs as zero and skips missing outputs.
pub(crate) fn tile<O: Out + ?Sized>(
    xs: &[f32],
    w: &[f32],
    init: &[f32; NR],
    st: Strides,
    out: &mut O,
) {
    let Strides { ldx, ldw, ldo, k } = st;
    let fits = ldx >= k
        && ldw >= NR
        && ldo >= NR
        && xs.len() >= (MR - 1) * ldx + k
        && (k == 0 || w.len() >= (k - 1) * ldw + NR)
        && out.len() >= (MR - 1) * ldo + NR;
    #[cfg(target_arch = "x86_64")]
    {
        if fits && avx512_available() {
            // SAFETY: the feature was detected at run time; `fits` checked
            // that every index the kernel reads (`i·ldx + kk` for i < MR,
            // kk < k, and `kk·ldw + j` for j < NR) is inside `xs` and `w`,
            // and every index it writes (`i·ldo + j`) inside `out`.
            unsafe { avx512::tile(xs, w, init, st, out.ptr()) };
            return;
        }
    }
    let _ = fits;
    for i in 0..MR {
        for (j, &b) in init.iter().enumerate() {
            let mut acc = b;
            for kk in 0..k {
                let x = xs.get(i * ldx + kk).copied().unwrap_or(0.0);
                let wv = w.get(kk * ldw + j).copied().unwrap_or(0.0);
                acc += x * wv;
            }
            out.set(i * ldo + j, acc);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::NR;
    use std::arch::x86_64::*;

    // Rows are unrolled by hand (`0 * ldx`, `1 * NR` kept for regularity).
    #[allow(clippy::erasing_op, clippy::identity_op)]
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn tile(
        xs: &[f32],
        w: &[f32],
        init: &[f32; NR],
        st: super::Strides,
        o: *mut f32,
    ) {
        let super::Strides { ldx, ldw, ldo, k } = st;
        // Accumulators are spelled out (not an array) so they live in
        // registers even in the opt-level-1 dev profile.
        let b0 = _mm512_loadu_ps(init.as_ptr());
        let b1 = _mm512_loadu_ps(init.as_ptr().add(16));
        let (mut a00, mut a01) = (b0, b1);
        let (mut a10, mut a11) = (b0, b1);
        let (mut a20, mut a21) = (b0, b1);
        let (mut a30, mut a31) = (b0, b1);
        let (mut a40, mut a41) = (b0, b1);
        let (mut a50, mut a51) = (b0, b1);
        let (mut a60, mut a61) = (b0, b1);
        let (mut a70, mut a71) = (b0, b1);
        let (mut a80, mut a81) = (b0, b1);
        let (mut a90, mut a91) = (b0, b1);
        let (mut a100, mut a101) = (b0, b1);
        let (mut a110, mut a111) = (b0, b1);
        let wp = w.as_ptr();
        let xp = xs.as_ptr();
        for kk in 0..k {
            let w0 = _mm512_loadu_ps(wp.add(kk * ldw));
            let w1 = _mm512_loadu_ps(wp.add(kk * ldw + 16));
            let x0 = _mm512_set1_ps(*xp.add(0 * ldx + kk));
            a00 = _mm512_fmadd_ps(x0, w0, a00);
            a01 = _mm512_fmadd_ps(x0, w1, a01);
            let x1 = _mm512_set1_ps(*xp.add(1 * ldx + kk));
            a10 = _mm512_fmadd_ps(x1, w0, a10);
            a11 = _mm512_fmadd_ps(x1, w1, a11);
            let x2 = _mm512_set1_ps(*xp.add(2 * ldx + kk));
            a20 = _mm512_fmadd_ps(x2, w0, a20);
            a21 = _mm512_fmadd_ps(x2, w1, a21);
            let x3 = _mm512_set1_ps(*xp.add(3 * ldx + kk));
            a30 = _mm512_fmadd_ps(x3, w0, a30);
            a31 = _mm512_fmadd_ps(x3, w1, a31);
            let x4 = _mm512_set1_ps(*xp.add(4 * ldx + kk));
            a40 = _mm512_fmadd_ps(x4, w0, a40);
            a41 = _mm512_fmadd_ps(x4, w1, a41);
            let x5 = _mm512_set1_ps(*xp.add(5 * ldx + kk));
            a50 = _mm512_fmadd_ps(x5, w0, a50);
            a51 = _mm512_fmadd_ps(x5, w1, a51);
            let x6 = _mm512_set1_ps(*xp.add(6 * ldx + kk));
            a60 = _mm512_fmadd_ps(x6, w0, a60);
            a61 = _mm512_fmadd_ps(x6, w1, a61);
            let x7 = _mm512_set1_ps(*xp.add(7 * ldx + kk));
            a70 = _mm512_fmadd_ps(x7, w0, a70);
            a71 = _mm512_fmadd_ps(x7, w1, a71);
            let x8 = _mm512_set1_ps(*xp.add(8 * ldx + kk));
            a80 = _mm512_fmadd_ps(x8, w0, a80);
            a81 = _mm512_fmadd_ps(x8, w1, a81);
            let x9 = _mm512_set1_ps(*xp.add(9 * ldx + kk));
            a90 = _mm512_fmadd_ps(x9, w0, a90);
            a91 = _mm512_fmadd_ps(x9, w1, a91);
            let x10 = _mm512_set1_ps(*xp.add(10 * ldx + kk));
            a100 = _mm512_fmadd_ps(x10, w0, a100);
            a101 = _mm512_fmadd_ps(x10, w1, a101);
            let x11 = _mm512_set1_ps(*xp.add(11 * ldx + kk));
            a110 = _mm512_fmadd_ps(x11, w0, a110);
            a111 = _mm512_fmadd_ps(x11, w1, a111);
        }
        _mm512_storeu_ps(o.add(0 * ldo), a00);
        _mm512_storeu_ps(o.add(0 * ldo + 16), a01);
        _mm512_storeu_ps(o.add(1 * ldo), a10);
        _mm512_storeu_ps(o.add(1 * ldo + 16), a11);
        _mm512_storeu_ps(o.add(2 * ldo), a20);
        _mm512_storeu_ps(o.add(2 * ldo + 16), a21);
        _mm512_storeu_ps(o.add(3 * ldo), a30);
        _mm512_storeu_ps(o.add(3 * ldo + 16), a31);
        _mm512_storeu_ps(o.add(4 * ldo), a40);
        _mm512_storeu_ps(o.add(4 * ldo + 16), a41);
        _mm512_storeu_ps(o.add(5 * ldo), a50);
        _mm512_storeu_ps(o.add(5 * ldo + 16), a51);
        _mm512_storeu_ps(o.add(6 * ldo), a60);
        _mm512_storeu_ps(o.add(6 * ldo + 16), a61);
        _mm512_storeu_ps(o.add(7 * ldo), a70);
        _mm512_storeu_ps(o.add(7 * ldo + 16), a71);
        _mm512_storeu_ps(o.add(8 * ldo), a80);
        _mm512_storeu_ps(o.add(8 * ldo + 16), a81);
        _mm512_storeu_ps(o.add(9 * ldo), a90);
        _mm512_storeu_ps(o.add(9 * ldo + 16), a91);
        _mm512_storeu_ps(o.add(10 * ldo), a100);
        _mm512_storeu_ps(o.add(10 * ldo + 16), a101);
        _mm512_storeu_ps(o.add(11 * ldo), a110);
        _mm512_storeu_ps(o.add(11 * ldo + 16), a111);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_rows_and_short_slices_match_scalar() {
        let k = 7;
        let ldx = 11;
        let xs: Vec<f32> = (0..(MR - 1) * ldx + k)
            .map(|i| (i % 13) as f32 - 6.0)
            .collect();
        let ldw = NR + 3;
        let w: Vec<f32> = (0..(k - 1) * ldw + NR)
            .map(|i| (i % 5) as f32 * 0.5)
            .collect();
        let mut init = [0f32; NR];
        init.iter_mut().enumerate().for_each(|(j, v)| *v = j as f32);
        let ldo = NR + 5;
        let st = Strides { ldx, ldw, ldo, k };
        let mut fast = vec![0f32; (MR - 1) * ldo + NR];
        tile(&xs, &w, &init, st, &mut fast[..]);
        // A slice one float short takes the bounds-checked path (last x = 0).
        let mut short = vec![0f32; MR * ldo];
        tile(&xs[..xs.len() - 1], &w, &init, st, &mut short[..]);
        for i in 0..MR {
            for j in 0..NR {
                let mut want = init[j];
                for kk in 0..k {
                    want += xs[i * ldx + kk] * w[kk * ldw + j];
                }
                assert_eq!(fast[i * ldo + j], want, "({i},{j})");
                let last = if i == MR - 1 {
                    xs[i * ldx + k - 1] * w[(k - 1) * ldw + j]
                } else {
                    0.0
                };
                assert!((short[i * ldo + j] - (want - last)).abs() < 1e-4);
            }
        }
    }
}
