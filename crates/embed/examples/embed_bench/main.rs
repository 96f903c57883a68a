//! Embedding throughput on real code chunks, side by side with ONNX Runtime.
//!
//! ```sh
//! cargo run -p amanmcp-embed --example embed_bench -- \
//!     [--corpus /tmp/amanmcp-bench/corpus] [--n 1000] [--threads 2] \
//!     [--budgets 2048,4096,8192] [--models minilm,bge-small-random,static,qwen3-random] \
//!     [--qwen3-n 24] [--ort-python /tmp/ortvenv/bin/python --onnx /tmp/minilm_fp32.onnx]
//! ```
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
use amanmcp_embed::static_model::StaticEmbedder;
use amanmcp_embed::Embedder;
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

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
    let t0 = Instant::now();
    let v = e.embed_documents(texts).expect("embed");
    let s = t0.elapsed().as_secs_f64();
    assert_eq!(v.len(), texts.len());
    let gf = flops
        .map(|f| format!("  {:6.1} GFLOP/s", f / s / 1e9))
        .unwrap_or_default();
    println!(
        "{label:<44} {:9.1} texts/s {:10.0} tokens/s  ({s:.2}s){gf}",
        texts.len() as f64 / s,
        tokens as f64 / s
    );
    texts.len() as f64 / s
}

fn gemm_peak(threads: usize) -> f64 {
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

fn run_ort(a: &Args, minilm: &Path, texts: &[&str], budgets_as_batches: &[usize]) {
    let (Some(py), Some(onnx)) = (&a.ort_python, &a.onnx) else {
        println!("(ORT comparison skipped: pass --ort-python and --onnx)");
        return;
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
    for line in String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with('#'))
    {
        println!("ORT fp32 {}", line.trim_start_matches("# "));
    }
    if !out.status.success() {
        eprintln!(
            "ort_bench.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn main() {
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
    let peak = gemm_peak(a.threads);
    println!(
        "candle f32 GEMM 2048³ on {} threads: {peak:.1} GFLOP/s",
        a.threads
    );
    let opts = |budget: usize| CandleOptions {
        device: DeviceChoice::Cpu,
        batch_token_budget: budget,
        threads: Some(a.threads),
        ..Default::default()
    };
    for m in &a.models {
        match m.as_str() {
            "minilm" => {
                let flops = bert_flops(&lens, 6, 384, 1536);
                for &b in &a.budgets {
                    let e = CandleEmbedder::load(
                        &minilm,
                        "sentence-transformers/all-MiniLM-L6-v2",
                        &opts(b),
                    )
                    .expect("load");
                    time_embedder(
                        &format!("candle MiniLM-L6 budget {b}"),
                        &e,
                        &texts,
                        tokens,
                        Some(flops),
                    );
                }
            }
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
            "static" => {
                let e = StaticEmbedder::load(&models.join("static-test"), "static-test")
                    .expect("load static");
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .build()
                    .expect("pool");
                pool.install(|| {
                    time_embedder(
                        "static-test (model2vec int8), 1 thread",
                        &e,
                        &texts,
                        tokens,
                        None,
                    )
                });
                time_embedder(
                    "static-test (model2vec int8), all threads",
                    &e,
                    &texts,
                    tokens,
                    None,
                );
            }
            other => eprintln!("unknown model {other}"),
        }
    }
    // ORT batches of comparable padded size: budget / avg tokens.
    let avg = (tokens / texts.len().max(1)).max(1);
    let batches: Vec<usize> = a.budgets.iter().map(|b| (b / avg).max(1)).collect();
    if a.models.iter().any(|m| m == "minilm") {
        run_ort(&a, &minilm, &texts, &batches);
    }
}
