//! Machine and kernel peaks for the embedding bench: the AVX-512 FMA issue
//! rate (the practical f32 ceiling), candle's 2048³ GEMM, the packed
//! linear kernel on MiniLM's shapes, and fused attention vs the candle graph.

use std::time::Instant;

use candle_core::{Device, Tensor};

pub(crate) fn gemm_peak(threads: usize) -> f64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    pool.install(|| {
        let n = 2048;
        let a = Tensor::randn(0f32, 1.0, (n, n), &Device::Cpu).expect("randn");
        let b = Tensor::randn(0f32, 1.0, (n, n), &Device::Cpu).expect("randn");
        a.matmul(&b).expect("matmul");
        let reps = 5;
        let t0 = Instant::now();
        for _ in 0..reps {
            a.matmul(&b).expect("matmul");
        }
        2.0 * (n * n * n) as f64 * reps as f64 / t0.elapsed().as_secs_f64() / 1e9
    })
}

/// The machine's AVX-512 FMA issue rate in GFLOP/s: `threads` threads each
/// run 12 independent register-only FMA chains (2 FLOP per lane per FMA).
pub(crate) fn fma_peak(threads: usize) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            return None;
        }
        // Best of 3 passes; each thread times itself (no spawn/join cost).
        let iters = 100_000_000u64;
        let flops = iters as f64 * 12.0 * 16.0 * 2.0;
        let mut best = 0f64;
        for _ in 0..3 {
            let total: f64 = std::thread::scope(|s| {
                let hs: Vec<_> = (0..threads)
                    .map(|_| {
                        s.spawn(move || {
                            let t0 = Instant::now();
                            // SAFETY: avx512f was detected above.
                            std::hint::black_box(unsafe { fma_chains(iters) });
                            flops / t0.elapsed().as_secs_f64() / 1e9
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().expect("fma thread")).sum()
            });
            best = best.max(total);
        }
        Some(best)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = threads;
        None
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn fma_chains(iters: u64) -> f32 {
    use std::arch::x86_64::*;
    let m = _mm512_set1_ps(0.999_999);
    let c = _mm512_set1_ps(1e-7);
    let one = _mm512_set1_ps(1.0);
    // 12 named chains × 2 FMAs per iteration = 24 in flight (4-cycle latency × 2 pipes needs 8).
    let (mut a0, mut a1, mut a2, mut a3, mut a4, mut a5) = (one, one, one, one, one, one);
    let (mut a6, mut a7, mut a8, mut a9, mut a10, mut a11) = (one, one, one, one, one, one);
    for _ in 0..iters {
        a0 = _mm512_fmadd_ps(a0, m, c);
        a1 = _mm512_fmadd_ps(a1, m, c);
        a2 = _mm512_fmadd_ps(a2, m, c);
        a3 = _mm512_fmadd_ps(a3, m, c);
        a4 = _mm512_fmadd_ps(a4, m, c);
        a5 = _mm512_fmadd_ps(a5, m, c);
        a6 = _mm512_fmadd_ps(a6, m, c);
        a7 = _mm512_fmadd_ps(a7, m, c);
        a8 = _mm512_fmadd_ps(a8, m, c);
        a9 = _mm512_fmadd_ps(a9, m, c);
        a10 = _mm512_fmadd_ps(a10, m, c);
        a11 = _mm512_fmadd_ps(a11, m, c);
    }
    let s = [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11];
    s.iter().map(|&a| _mm512_reduce_add_ps(a)).sum()
}

/// Packed-kernel GFLOP/s on MiniLM's linear shapes and 2048³, and fused
/// attention against the candle graph, on `threads` threads.
pub(crate) fn kernels(threads: usize, which: &str, reps: usize) {
    use amanmcp_embed::candle::bench;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    pool.install(|| {
        let all = which == "1";
        for (m, k, n, what) in [
            (4096, 384, 1152, "QKV"),
            (4096, 384, 384, "attention output"),
            (4096, 384, 1536, "intermediate"),
            (4096, 1536, 384, "output"),
            (2048, 2048, 2048, "square"),
        ] {
            if !all && which != "linear" {
                break;
            }
            let g = bench::packed_linear_gflops(m, k, n, reps).expect("packed");
            println!("packed linear {m}×{k}·{k}×{n} ({what}): {g:6.1} GFLOP/s");
        }
        let (b, l, heads, hd) = (20, 205, 12, 32);
        let flops = 4.0 * (b * l * l * heads * hd) as f64;
        for fused in [false, true] {
            if !all && which != "attention" && !(fused && which == "fused") {
                continue;
            }
            let s = bench::attention_seconds(b, l, heads, hd, fused, reps).expect("attention");
            println!(
                "attention {b}×{l} tokens, {heads}×{hd} heads, {}: {:6.2} ms ({:5.1} GFLOP/s)",
                if fused { "fused op" } else { "candle graph" },
                s * 1e3,
                flops / s / 1e9
            );
        }
    });
}
