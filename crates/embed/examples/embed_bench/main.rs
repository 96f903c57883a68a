//! Embedding throughput on real code chunks, side by side with ONNX Runtime.
//!
//! ```sh
//! cargo run -p amanmcp-embed --example embed_bench -- \
//!     [--corpus /tmp/amanmcp-bench/corpus] [--n 1000] [--threads 2] \
//!     [--budgets 2048,4096,8192] [--models minilm,bge-small-random,static,qwen3-random] \
//!     [--qwen3-n 24] [--ort-python /tmp/ortvenv/bin/python --onnx /tmp/minilm_fp32.onnx] \
//!     [--repeat 3] [--peak 1] [--kernels 0|1|linear|attention|fused] [--kernel-reps 5]
//! ```
//!
//! `--repeat N` interleaves N rounds of (candle MiniLM at every budget, then
//! ORT) and prints the median texts/s of each configuration and the
//! candle/ORT ratio of the medians (best configuration of each); the load
//! average is printed around every round. `--peak 1` measures the machine's
//! AVX-512 FMA issue rate and candle's 2048³ GEMM; `--kernels 1` the packed
//! linear kernel on MiniLM's shapes and on 2048³, and fused attention
//! against the candle graph (best of `--kernel-reps` calls; `linear`,
//! `attention` or `fused` run only those).
//!
//! Texts are the same 1000 evenly spaced 20-line windows of the corpus's
//! .rs/.py files that `../shared/bench/anchors/ort_bench.py --corpus` uses;
//! they are also written to a JSONL file and handed to that script, so the
//! ORT figure comes from identical texts and thread count in the same run.
//! Timed = tokenization + forward + pooling + normalization, after a warm-up.
//! tokens/s counts real (unpadded) tokens including special tokens.

use std::path::{Path, PathBuf};
use std::time::Instant;

use amanmcp_embed::candle::{CandleEmbedder, CandleOptions, DeviceChoice};
use amanmcp_embed::Embedder;
use candle_core::{DType, Device};
use candle_nn::{VarBuilder, VarMap};

mod peak;
mod static_tier;

use peak::{fma_peak, gemm_peak, kernels};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    corpus: PathBuf,
    n: usize,
    threads: usize,
    budgets: Vec<usize>,
    models: Vec<String>,
    qwen3_n: usize,
    ort_python: Option<String>,
    onnx: Option<String>,
    repeat: usize,
    peak: bool,
    kernels: String,
    kernel_reps: usize,
}

fn parse_args() -> Args {
    let mut a = Args {
        corpus: PathBuf::from("/tmp/amanmcp-bench/corpus"),
        n: 1000,
        threads: 2,
        budgets: vec![2048, 4096, 8192],
        models: vec!["minilm".into(), "static".into()],
        qwen3_n: 24,
        ort_python: None,
        onnx: None,
        repeat: 1,
        peak: true,
        kernels: "0".into(),
        kernel_reps: 5,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < argv.len() {
        let v = argv[i + 1].clone();
        match argv[i].as_str() {
            "--corpus" => a.corpus = v.into(),
            "--n" => a.n = v.parse().expect("--n"),
            "--threads" => a.threads = v.parse().expect("--threads"),
            "--budgets" => {
                a.budgets = v
                    .split(',')
                    .map(|x| x.parse().expect("--budgets"))
                    .collect()
            }
            "--models" => a.models = v.split(',').map(String::from).collect(),
            "--qwen3-n" => a.qwen3_n = v.parse().expect("--qwen3-n"),
            "--ort-python" => a.ort_python = Some(v),
            "--onnx" => a.onnx = Some(v),
            "--repeat" => a.repeat = v.parse::<usize>().expect("--repeat").max(1),
            "--peak" => a.peak = v != "0",
            "--kernels" => a.kernels = v,
            "--kernel-reps" => a.kernel_reps = v.parse().expect("--kernel-reps"),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

/// Same selection as ort_bench.py `corpus_texts`.
fn corpus_texts(root: &Path, n: usize) -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                if !name.starts_with('.') {
                    walk(&p, out);
                }
            } else if name.ends_with(".rs") || name.ends_with(".py") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort_by_key(|p| {
        p.strip_prefix(root)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    });
    let mut wins = Vec::new();
    for f in files {
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        for chunk in lines.chunks(20) {
            let w = chunk.join("\n");
            if !w.trim().is_empty() {
                wins.push(w);
            }
        }
    }
    if wins.len() <= n {
        return wins;
    }
    (0..n).map(|i| wins[i * wins.len() / n].clone()).collect()
}

fn token_lengths(tokenizer: &Path, texts: &[&str], max: usize) -> Vec<usize> {
    let mut tok = tokenizers::Tokenizer::from_file(tokenizer).expect("tokenizer");
    tok.with_padding(None);
    tok.with_truncation(Some(tokenizers::TruncationParams {
        max_length: max,
        ..Default::default()
    }))
    .expect("truncation");
    texts
        .iter()
        .map(|t| tok.encode(*t, true).expect("encode").len())
        .collect()
}

/// FLOPs of one BERT forward over texts of these lengths (batched matmuls only).
fn bert_flops(lengths: &[usize], layers: usize, hidden: usize, inter: usize) -> f64 {
    let per_token =
        2.0 * layers as f64 * (4.0 * (hidden * hidden) as f64 + 2.0 * (hidden * inter) as f64);
    lengths
        .iter()
        .map(|&l| per_token * l as f64 + 4.0 * layers as f64 * (l * l * hidden) as f64)
        .sum()
}

fn time_embedder(
    label: &str,
    e: &dyn Embedder,
    texts: &[&str],
    tokens: usize,
    flops: Option<f64>,
) -> f64 {
    let warm: Vec<&str> = texts.iter().take(8).copied().collect();
    e.embed_documents(&warm).expect("warm-up");
    let (t0, c0, f0) = (Instant::now(), cpu_seconds(), minor_faults());
    let v = e.embed_documents(texts).expect("embed");
    let s = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - c0;
    let faults = minor_faults() - f0;
    assert_eq!(v.len(), texts.len());
    let gf = flops
        .map(|f| format!("  {:6.1} GFLOP/s", f / s / 1e9))
        .unwrap_or_default();
    println!(
        "{label:<44} {:9.1} texts/s {:10.0} tokens/s  ({s:.2}s, cpu {cpu:.2}s, {faults} faults){gf}",
        texts.len() as f64 / s,
        tokens as f64 / s
    );
    texts.len() as f64 / s
}

/// Fields of /proc/self/stat after the command name (empty elsewhere).
fn proc_stat() -> Vec<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    rest.split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect()
}

/// User + system CPU seconds of this process so far (stat fields 14, 15).
fn cpu_seconds() -> f64 {
    let f = proc_stat();
    f.get(11..13).map_or(0.0, |v| v.iter().sum::<f64>() / 100.0)
}

/// Minor page faults of this process so far (stat field 10).
fn minor_faults() -> f64 {
    proc_stat().get(7).copied().unwrap_or(0.0)
}

/// Writes a random BERT (shape of `layers` × `hidden`) next to MiniLM's tokenizer.
fn random_bert(dir: &Path, minilm: &Path, layers: usize, hidden: usize, inter: usize) {
    let cfg = serde_json::json!({
        "model_type": "bert", "vocab_size": 30522, "hidden_size": hidden,
        "num_hidden_layers": layers, "num_attention_heads": hidden / 32, "intermediate_size": inter,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "max_position_embeddings": 512,
        "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0
    });
    std::fs::write(dir.join("config.json"), cfg.to_string()).expect("config");
    let config: candle_transformers::models::bert::Config =
        serde_json::from_value(cfg).expect("cfg");
    let vm = VarMap::new();
    candle_transformers::models::bert::BertModel::load(
        VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu),
        &config,
    )
    .expect("random bert");
    vm.save(dir.join("model.safetensors")).expect("save");
    std::fs::copy(minilm.join("tokenizer.json"), dir.join("tokenizer.json")).expect("tokenizer");
    std::fs::create_dir_all(dir.join("1_Pooling")).expect("pooling dir");
    std::fs::copy(
        minilm.join("1_Pooling/config.json"),
        dir.join("1_Pooling/config.json"),
    )
    .expect("pooling");
}

/// Writes a Qwen3-Embedding-0.6B-shaped random model (vocab cut to MiniLM's
/// tokenizer, which only changes the embedding lookup table size).
fn random_qwen3(dir: &Path, minilm: &Path) {
    let cfg = serde_json::json!({
        "model_type": "qwen3", "vocab_size": 30522, "hidden_size": 1024, "intermediate_size": 3072,
        "num_hidden_layers": 28, "num_attention_heads": 16, "head_dim": 128, "attention_bias": false,
        "num_key_value_heads": 8, "max_position_embeddings": 32768, "sliding_window": null,
        "max_window_layers": 28, "tie_word_embeddings": true, "rope_theta": 1000000.0,
        "rms_norm_eps": 1e-6, "use_sliding_window": false, "hidden_act": "silu"
    });
    std::fs::write(dir.join("config.json"), cfg.to_string()).expect("config");
    let config: candle_transformers::models::qwen3::Config =
        serde_json::from_value(cfg).expect("cfg");
    let vm = VarMap::new();
    candle_transformers::models::qwen3::Model::new(
        &config,
        VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu),
    )
    .expect("random qwen3");
    vm.save(dir.join("model.safetensors")).expect("save");
    std::fs::copy(minilm.join("tokenizer.json"), dir.join("tokenizer.json")).expect("tokenizer");
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// Runs ort_bench.py on the same texts; returns (batch, texts/s) per batch size.
fn run_ort(
    a: &Args,
    minilm: &Path,
    texts: &[&str],
    budgets_as_batches: &[usize],
) -> Vec<(usize, f64)> {
    let (Some(py), Some(onnx)) = (&a.ort_python, &a.onnx) else {
        println!("(ORT comparison skipped: pass --ort-python and --onnx)");
        return Vec::new();
    };
    let jsonl = std::env::temp_dir().join("amanmcp_embed_bench_texts.jsonl");
    let body: String = texts
        .iter()
        .map(|t| serde_json::json!({ "text": t }).to_string() + "\n")
        .collect();
    std::fs::write(&jsonl, body).expect("write texts");
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/anchors/ort_bench.py");
    let batches: Vec<String> = budgets_as_batches.iter().map(|b| b.to_string()).collect();
    let out = std::process::Command::new(py)
        .arg(&script)
        .args([
            "--model-dir",
            &minilm.to_string_lossy(),
            "--onnx",
            onnx,
            "--texts",
        ])
        .arg(&jsonl)
        .args([
            "--threads",
            &a.threads.to_string(),
            "--batch",
            &batches.join(","),
            "--sorted",
            "--n",
        ])
        .arg(texts.len().to_string())
        .output()
        .expect("run ort_bench.py");
    let mut res = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if line.starts_with('#') {
            println!("ORT fp32 {}", line.trim_start_matches("# "));
        } else if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
            if let (Some(b), Some(t)) = (v["batch"].as_u64(), v["texts_per_s"].as_f64()) {
                res.push((b as usize, t));
            }
        }
    }
    if !out.status.success() {
        eprintln!(
            "ort_bench.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    res
}

/// Interleaved rounds of candle MiniLM (every budget) and ORT; medians and ratio.
fn minilm_rounds(
    a: &Args,
    minilm: &Path,
    texts: &[&str],
    lens: &[usize],
    opts: &dyn Fn(usize) -> CandleOptions,
) {
    let tokens: usize = lens.iter().sum();
    let flops = bert_flops(lens, 6, 384, 1536);
    let embedders: Vec<(usize, CandleEmbedder)> = a
        .budgets
        .iter()
        .map(|&b| {
            let e =
                CandleEmbedder::load(minilm, "sentence-transformers/all-MiniLM-L6-v2", &opts(b))
                    .expect("load");
            (b, e)
        })
        .collect();
    // ORT batches of comparable padded size: budget / avg tokens.
    let avg = (tokens / texts.len().max(1)).max(1);
    let batches: Vec<usize> = a.budgets.iter().map(|b| (b / avg).max(1)).collect();
    let mut candle: Vec<Vec<f64>> = vec![Vec::new(); embedders.len()];
    let mut ort: Vec<(usize, Vec<f64>)> = Vec::new();
    for round in 1..=a.repeat {
        if a.repeat > 1 {
            println!("-- round {round}/{} (load average {})", a.repeat, loadavg());
        }
        for (i, (b, e)) in embedders.iter().enumerate() {
            let label = format!("candle MiniLM-L6 budget {b}");
            candle[i].push(time_embedder(&label, e, texts, tokens, Some(flops)));
        }
        for (bs, t) in run_ort(a, minilm, texts, &batches) {
            match ort.iter_mut().find(|(b, _)| *b == bs) {
                Some((_, v)) => v.push(t),
                None => ort.push((bs, vec![t])),
            }
        }
    }
    if a.repeat > 1 {
        println!(
            "-- medians of {} rounds (load average {})",
            a.repeat,
            loadavg()
        );
    }
    let mut best_c = 0f64;
    for ((b, _), v) in embedders.iter().zip(&candle) {
        let m = median(v);
        best_c = best_c.max(m);
        println!(
            "median candle budget {b:>5}: {m:7.2} texts/s  ({:6.1} model GFLOP/s)",
            m * flops / texts.len() as f64 / 1e9
        );
    }
    let mut best_o = 0f64;
    for (bs, v) in &ort {
        let m = median(v);
        best_o = best_o.max(m);
        println!("median ORT fp32 batch {bs:>3}: {m:7.2} texts/s");
    }
    if best_o > 0.0 {
        println!("candle/ORT (best median each): {:.2}x", best_c / best_o);
    }
}

fn main() {
    // As the amanmcp CLI does (crates/cli/src/main.rs): keep freed memory
    // 10 s so forwards reuse their buffers instead of re-faulting them
    // (unless MIMALLOC_PURGE_DELAY is set, for experiments).
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets a plain integer option (15 = mi_option_purge_delay).
        unsafe { libmimalloc_sys::mi_option_set(15, 10_000) };
    }
    let a = parse_args();
    let models = amanmcp_embed::models::models_dir();
    let minilm = models.join("all-MiniLM-L6-v2");
    let owned = corpus_texts(&a.corpus, a.n);
    let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
    let lens = token_lengths(&minilm.join("tokenizer.json"), &texts, 256);
    let tokens: usize = lens.iter().sum();
    println!(
        "texts={} avg_tokens={:.1} (MiniLM tokenizer, trunc 256) threads={} corpus={}",
        texts.len(),
        tokens as f64 / texts.len() as f64,
        a.threads,
        a.corpus.display()
    );
    if a.peak {
        if let Some(f) = fma_peak(a.threads) {
            println!(
                "AVX-512 FMA issue rate on {} threads: {f:.1} GFLOP/s",
                a.threads
            );
        }
        let peak = gemm_peak(a.threads);
        println!(
            "candle f32 GEMM 2048³ on {} threads: {peak:.1} GFLOP/s",
            a.threads
        );
    }
    if a.kernels != "0" {
        kernels(a.threads, &a.kernels, a.kernel_reps);
    }
    let opts = |budget: usize| CandleOptions {
        device: DeviceChoice::Cpu,
        batch_token_budget: budget,
        threads: Some(a.threads),
        ..Default::default()
    };
    for m in &a.models {
        match m.as_str() {
            "minilm" => minilm_rounds(&a, &minilm, &texts, &lens, &opts),
            "bge-small-random" => {
                let tmp = tempfile::tempdir().expect("tmp");
                random_bert(tmp.path(), &minilm, 12, 384, 1536);
                let lens512 = token_lengths(&minilm.join("tokenizer.json"), &texts, 512);
                let t512: usize = lens512.iter().sum();
                let flops = bert_flops(&lens512, 12, 384, 1536);
                for &b in &a.budgets {
                    let e = CandleEmbedder::load(tmp.path(), "random/bge-small-shaped", &opts(b))
                        .expect("load");
                    time_embedder(
                        &format!("candle bge-small-shaped (random) budget {b}"),
                        &e,
                        &texts,
                        t512,
                        Some(flops),
                    );
                }
            }
            "qwen3-random" => {
                let tmp = tempfile::tempdir().expect("tmp");
                random_qwen3(tmp.path(), &minilm);
                let sub: Vec<&str> = texts
                    .iter()
                    .step_by((texts.len() / a.qwen3_n).max(1))
                    .copied()
                    .take(a.qwen3_n)
                    .collect();
                let l = token_lengths(&minilm.join("tokenizer.json"), &sub, 8192);
                let t: usize = l.iter().sum();
                let e = CandleEmbedder::load(
                    tmp.path(),
                    "random/Qwen3-0.6B-shaped",
                    &opts(a.budgets[0]),
                )
                .expect("load");
                time_embedder(
                    &format!("candle Qwen3-0.6B-shaped (random) n={}", sub.len()),
                    &e,
                    &sub,
                    t,
                    None,
                );
            }
            "static" => static_tier::run_static(&models.join("static-test"), &texts),
            other => eprintln!("unknown model {other}"),
        }
    }
}
