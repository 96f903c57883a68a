//! Kernel-level timings for `examples/embed_bench/`, which cannot reach
//! the crate-private kernels: the packed linear layer on a given shape
//! (to state what share of the GEMM peak it reaches) and the fused CPU
//! attention against the candle graph it replaces. Both run on the caller's
//! rayon pool. Not a stable API.

use std::time::Instant;

use candle_core::{Device, Module, Tensor};

use super::attention::{attention, candle_attention};
use super::packed_linear::PackedLinear;
use crate::EmbedError;

fn err(e: candle_core::Error) -> EmbedError {
    EmbedError::Inference(e.to_string())
}

/// GFLOP/s of `(m × k) · (k × n)ᵀ + bias` through [`PackedLinear`] (the
/// AVX-512 kernel when the CPU has it), best of `reps` timed calls.
pub fn packed_linear_gflops(m: usize, k: usize, n: usize, reps: usize) -> Result<f64, EmbedError> {
    let dev = Device::Cpu;
    let x = Tensor::randn(0f32, 1.0, (m, k), &dev).map_err(err)?;
    let w = Tensor::randn(0f32, 1.0, (n, k), &dev).map_err(err)?;
    let b = Tensor::randn(0f32, 1.0, n, &dev).map_err(err)?;
    let lin = PackedLinear::new(w, b).map_err(err)?;
    lin.forward(&x).map_err(err)?;
    let mut best = f64::MAX;
    for _ in 0..reps.max(1) {
        let t0 = Instant::now();
        lin.forward(&x).map_err(err)?;
        best = best.min(t0.elapsed().as_secs_f64());
    }
    Ok(2.0 * (m * k * n) as f64 / best / 1e9)
}

/// Seconds per call (best of `reps`) of self-attention over `b` texts of
/// `l` tokens (the last quarter of every other text padding), fused CPU op
/// or candle graph.
pub fn attention_seconds(
    b: usize,
    l: usize,
    heads: usize,
    head_dim: usize,
    fused: bool,
    reps: usize,
) -> Result<f64, EmbedError> {
    let dev = Device::Cpu;
    let qkv = Tensor::randn(0f32, 1.0, (b, l, 3 * heads * head_dim), &dev).map_err(err)?;
    let neg: Vec<f32> = (0..b)
        .flat_map(|i| {
            (0..l).map(move |j| {
                if i % 2 == 1 && j >= l * 3 / 4 {
                    -1e9
                } else {
                    0.0
                }
            })
        })
        .collect();
    let neg = Tensor::from_vec(neg, (b, l), &dev).map_err(err)?;
    let run = || {
        if fused {
            attention(&qkv, &neg, heads, head_dim)
        } else {
            candle_attention(&qkv, &neg, heads, head_dim)
        }
    };
    run().map_err(err)?;
    let mut best = f64::MAX;
    for _ in 0..reps.max(1) {
        let t0 = Instant::now();
        run().map_err(err)?;
        best = best.min(t0.elapsed().as_secs_f64());
    }
    Ok(best)
}
