//! `y = x·Wᵀ + b` for the BERT CPU path with an AVX-512 kernel over weights
//! packed once at load time, optionally followed (while the rows are still
//! in cache) by exact GELU, or by a residual add and LayerNorm.
//!
//! candle 0.11's CPU matmul (the `gemm` crate, AVX2 kernels on stable Rust)
//! reaches a fraction of the machine's AVX-512 FMA peak, and linear layers
//! are ~90% of a BERT forward's FLOPs. Weights are packed into 32-column
//! panels (`k`-major), so the kernel ([`super::tile`]) streams one panel
//! while 12 rows of `x` are broadcast from L1/L2, keeping 24 zmm
//! accumulators busy. Once packed, the PyTorch-layout weight is dropped so
//! the layer is resident only once. Without AVX-512, or off CPU, the layer
//! keeps the plain weight and uses candle's matmul.

use std::mem::MaybeUninit;

use candle_core::{CpuStorage, CustomOp1, CustomOp2, DType, Layout, Module, Shape, Tensor};
use rayon::prelude::*;

use super::layer_norm::{LayerNorm, RowNorm};
use super::tile::{self, Strides, MR, NR};

/// Rows per parallel work item.
const ROWS_PER_TASK: usize = MR * 4;

/// A linear layer whose CPU forward uses the packed AVX-512 kernel when the
/// CPU has it.
pub(crate) struct PackedLinear {
    imp: Impl,
}

enum Impl {
    Packed(Packed),
    Candle {
        weight: Tensor,
        bias: Tensor,
        gelu: bool,
    },
}

struct Packed {
    n: usize,
    k: usize,
    /// `panels × k × NR`, zero-padded past `n`.
    data: Vec<f32>,
    /// One `NR`-wide bias row per panel, zero-padded past `n`.
    bias: Vec<[f32; NR]>,
    gelu: bool,
}

impl PackedLinear {
    /// `weight` is `(n, k)` as stored by PyTorch, `bias` is `(n)`.
    pub(crate) fn new(weight: Tensor, bias: Tensor) -> candle_core::Result<Self> {
        Self::with_gelu(weight, bias, false)
    }

    /// Like `new`, with exact GELU applied to the output (fused on the fast path).
    pub(crate) fn with_gelu(weight: Tensor, bias: Tensor, gelu: bool) -> candle_core::Result<Self> {
        if !(weight.device().is_cpu() && tile::avx512_available()) {
            return Ok(Self {
                imp: Impl::Candle { weight, bias, gelu },
            });
        }
        let (n, k) = weight.dims2()?;
        let w: Vec<f32> = weight.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?;
        let b: Vec<f32> = bias.to_dtype(DType::F32)?.to_vec1()?;
        if b.len() != n {
            candle_core::bail!("linear bias has {} entries for {n} outputs", b.len());
        }
        let panels = n.div_ceil(NR);
        let mut data = vec![0f32; panels * k * NR];
        let mut bias_p = vec![[0f32; NR]; panels];
        for (col, row) in w.chunks_exact(k).enumerate() {
            let (p, j) = (col / NR, col % NR);
            for (kk, &v) in row.iter().enumerate() {
                data[(p * k + kk) * NR + j] = v;
            }
            bias_p[p][j] = b[col];
        }
        Ok(Self {
            imp: Impl::Packed(Packed {
                n,
                k,
                data,
                bias: bias_p,
                gelu,
            }),
        })
    }

    /// `norm(self(x) + residual)`: the residual add and LayerNorm run in the
    /// packed kernel's epilogue on CPU.
    pub(crate) fn forward_add_norm(
        &self,
        x: &Tensor,
        residual: &Tensor,
        norm: &LayerNorm,
    ) -> candle_core::Result<Tensor> {
        match (&self.imp, norm.cpu()) {
            (Impl::Packed(packed), Some(norm)) if residual.dtype() == DType::F32 => {
                let x = cpu_f32(x)?;
                x.apply_op2_no_bwd(&residual.contiguous()?, &AddNorm { packed, norm })
            }
            _ => norm.forward(&(self.forward(x)? + residual)?),
        }
    }
}

/// `x` as a contiguous f32 CPU tensor, which the packed kernel needs.
fn cpu_f32(x: &Tensor) -> candle_core::Result<Tensor> {
    if !x.device().is_cpu() {
        candle_core::bail!("packed linear layer (CPU weights) called with a non-CPU input");
    }
    x.to_dtype(DType::F32)?.contiguous()
}

impl Module for PackedLinear {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match &self.imp {
            Impl::Packed(p) => cpu_f32(x)?.apply_op1_no_bwd(p),
            Impl::Candle { weight, bias, gelu } => {
                let y = x.broadcast_matmul(&weight.t()?)?.broadcast_add(bias)?;
                if *gelu {
                    y.gelu_erf()
                } else {
                    Ok(y)
                }
            }
        }
    }
}

/// The fused `LayerNorm(x·Wᵀ + b + residual)` op.
struct AddNorm<'a> {
    packed: &'a Packed,
    norm: RowNorm<'a>,
}

impl CustomOp1 for Packed {
    fn name(&self) -> &'static str {
        "packed-linear"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = self.input(storage, layout)?;
        self.apply(x, layout.shape(), None, None)
    }
}

impl CustomOp2 for AddNorm<'_> {
    fn name(&self) -> &'static str {
        "packed-linear-add-norm"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = self.packed.input(s1, l1)?;
        let (CpuStorage::F32(all), Some((start, end))) = (s2, l2.contiguous_offsets()) else {
            candle_core::bail!("packed-linear: the residual must be a contiguous f32 tensor");
        };
        let residual = &all[start..end];
        if self.norm.gamma.len() != self.packed.n {
            candle_core::bail!(
                "packed-linear: LayerNorm width {} for {} outputs",
                self.norm.gamma.len(),
                self.packed.n
            );
        }
        self.packed
            .apply(x, l1.shape(), Some(residual), Some(self.norm))
    }
}

impl Packed {
    /// The contiguous f32 input slice, its feature count checked.
    fn input<'s>(
        &self,
        storage: &'s CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<&'s [f32]> {
        let CpuStorage::F32(all) = storage else {
            candle_core::bail!("packed-linear expects f32 input");
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("packed-linear expects contiguous input");
        };
        let k = layout.shape().dims().last().copied().unwrap_or(0);
        if k == 0 || k != self.k {
            candle_core::bail!(
                "packed-linear: input has {k} features, layer expects {}",
                self.k
            );
        }
        Ok(&all[start..end])
    }

    fn apply(
        &self,
        x: &[f32],
        in_shape: &Shape,
        residual: Option<&[f32]>,
        norm: Option<RowNorm>,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let m = x.len() / self.k;
        if residual.is_some_and(|r| r.len() != m * self.n) {
            candle_core::bail!("packed-linear: residual shape does not match the output");
        }
        let total = m * self.n;
        // No zero-fill: `run` writes every element (memset was ~2% of a forward).
        let mut y: Vec<f32> = Vec::with_capacity(total);
        self.run(x, m, &mut y.spare_capacity_mut()[..total], residual, norm);
        // SAFETY: `run` wrote all `total` elements: its tasks cover all `m`
        // rows and `block` writes every column panel of each row.
        unsafe { y.set_len(total) };
        let mut out_dims = in_shape.dims().to_vec();
        if let Some(last) = out_dims.last_mut() {
            *last = self.n;
        }
        Ok((CpuStorage::F32(y), Shape::from(out_dims)))
    }

    fn run(
        &self,
        x: &[f32],
        m: usize,
        y: &mut [MaybeUninit<f32>],
        residual: Option<&[f32]>,
        norm: Option<RowNorm>,
    ) {
        let (n, k) = (self.n, self.k);
        y.par_chunks_mut(ROWS_PER_TASK * n)
            .enumerate()
            .for_each(|(task, y_block)| {
                let row0 = task * ROWS_PER_TASK;
                let rows = (m - row0).min(ROWS_PER_TASK);
                let x_block = &x[row0 * k..(row0 + rows) * k];
                let r_block = residual.map(|r| &r[row0 * n..(row0 + rows) * n]);
                self.block(x_block, rows, y_block);
                // SAFETY: `block` wrote every element of its `rows` rows.
                let y_block = unsafe { assume_init(y_block) };
                // The residual is added row by row here (a sequential,
                // prefetch-friendly stream) rather than per 32-column tile.
                match (norm, r_block) {
                    (Some(norm), res) => norm.apply(y_block, res),
                    (None, Some(res)) => y_block.iter_mut().zip(res).for_each(|(v, r)| *v += r),
                    (None, None) => {}
                }
            });
    }

    /// Computes `rows` output rows (≤ ROWS_PER_TASK) for all panels.
    fn block(&self, x: &[f32], rows: usize, y: &mut [MaybeUninit<f32>]) {
        let (n, k) = (self.n, self.k);
        let mut padded_x = Vec::new();
        let mut out = [0f32; MR * NR];
        for (p, bias) in self.bias.iter().enumerate() {
            let w = &self.data[p * k * NR..(p + 1) * k * NR];
            let cols = (n - p * NR).min(NR);
            let mut r = 0;
            while r < rows {
                let take = (rows - r).min(MR);
                let xs: &[f32] = if take == MR {
                    &x[r * k..(r + MR) * k]
                } else {
                    padded_x.clear();
                    padded_x.extend_from_slice(&x[r * k..(r + take) * k]);
                    padded_x.resize(MR * k, 0.0);
                    &padded_x
                };
                if take == MR && cols == NR {
                    // Full tile: written straight into `y`.
                    let at = r * n + p * NR;
                    let st = Strides {
                        ldx: k,
                        ldw: NR,
                        ldo: n,
                        k,
                    };
                    tile::tile(xs, w, bias, st, &mut y[at..]);
                } else {
                    let st = Strides {
                        ldx: k,
                        ldw: NR,
                        ldo: NR,
                        k,
                    };
                    tile::tile(xs, w, bias, st, &mut out[..]);
                    for i in 0..take {
                        let at = (r + i) * n + p * NR;
                        for (d, &v) in y[at..at + cols].iter_mut().zip(&out[i * NR..]) {
                            d.write(v);
                        }
                    }
                }
                if self.gelu {
                    for i in 0..take {
                        let at = (r + i) * n + p * NR;
                        // SAFETY: the tile just wrote these `cols` elements.
                        let row = unsafe { assume_init(&mut y[at..at + cols]) };
                        super::fast_ops::gelu_inplace(row);
                    }
                }
                r += take;
            }
        }
    }
}

/// `s` as floats.
///
/// # Safety
/// Every element of `s` must have been written.
unsafe fn assume_init(s: &mut [MaybeUninit<f32>]) -> &mut [f32] {
    // SAFETY: `MaybeUninit<f32>` has the layout of `f32`, and the caller
    // guarantees the elements are initialized.
    unsafe { &mut *(s as *mut [MaybeUninit<f32>] as *mut [f32]) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
        let a: Vec<f32> = a.flatten_all().unwrap().to_vec1().unwrap();
        let b: Vec<f32> = b.flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max)
    }

    #[test]
    fn matches_plain_matmul_with_ragged_shapes() {
        for (m, k, n) in [(1, 8, 5), (13, 40, 70), (50, 384, 96), (100, 33, 32)] {
            let x = Tensor::randn(0f32, 1.0, (m, k), &Device::Cpu).unwrap();
            let w = Tensor::randn(0f32, 1.0, (n, k), &Device::Cpu).unwrap();
            let b = Tensor::randn(0f32, 1.0, n, &Device::Cpu).unwrap();
            let lin = PackedLinear::new(w.clone(), b.clone()).unwrap();
            let want = x
                .matmul(&w.t().unwrap())
                .unwrap()
                .broadcast_add(&b)
                .unwrap();
            let diff = max_diff(&lin.forward(&x).unwrap(), &want);
            assert!(diff < 1e-3, "({m},{k},{n}) diff {diff}");
        }
    }

    #[test]
    fn fused_residual_and_norm_match_separate_ops() {
        fused_matches();
    }

    #[test]
    fn portable_fallback_matches_too() {
        use std::sync::atomic::Ordering;
        tile::FORCE_PORTABLE.store(true, Ordering::Relaxed);
        let run = std::panic::catch_unwind(fused_matches);
        tile::FORCE_PORTABLE.store(false, Ordering::Relaxed);
        run.unwrap();
    }

    fn fused_matches() {
        let dev = Device::Cpu;
        for (b, l, k, n) in [(1, 1, 16, 8), (2, 13, 40, 37), (3, 61, 384, 384)] {
            let x = Tensor::randn(0f32, 1.0, (b, l, k), &dev).unwrap();
            let res = Tensor::randn(0f32, 1.0, (b, l, n), &dev).unwrap();
            let w = Tensor::randn(0f32, 0.2, (n, k), &dev).unwrap();
            let bias = Tensor::randn(0f32, 1.0, n, &dev).unwrap();
            let gamma = Tensor::randn(1f32, 0.3, n, &dev).unwrap();
            let beta = Tensor::randn(0f32, 0.3, n, &dev).unwrap();
            let norm = LayerNorm::new(gamma.clone(), beta.clone(), 1e-12).unwrap();
            let lin = PackedLinear::new(w.clone(), bias.clone()).unwrap();
            let got = lin.forward_add_norm(&x, &res, &norm).unwrap();
            let pre = (x
                .broadcast_matmul(&w.t().unwrap())
                .unwrap()
                .broadcast_add(&bias)
                .unwrap()
                + &res)
                .unwrap();
            let want = candle_nn::ops::layer_norm_slow(&pre, &gamma, &beta, 1e-12).unwrap();
            assert_eq!(got.dims(), &[b, l, n]);
            let d = max_diff(&got, &want);
            assert!(d < 1e-4, "({b},{l},{k},{n}): {d}");
        }
    }

    #[test]
    fn keeps_leading_dims() {
        let x = Tensor::randn(0f32, 1.0, (2, 3, 16), &Device::Cpu).unwrap();
        let w = Tensor::randn(0f32, 1.0, (40, 16), &Device::Cpu).unwrap();
        let b = Tensor::zeros(40, DType::F32, &Device::Cpu).unwrap();
        let y = PackedLinear::new(w, b).unwrap().forward(&x).unwrap();
        assert_eq!(y.dims(), &[2, 3, 40]);
    }
}
