//! The static (model2vec) tier: load time and memory, then cold and warm
//! throughput on one thread and on all threads.
//!
//! Cold = a freshly loaded embedder (empty word cache) embedding the texts
//! once; warm = the same embedder again (every word cached). A sample of
//! 1000 evenly spaced windows is the cold worst case: nearly every text
//! brings new words, while indexing one repository file by file repeats
//! them. Each figure is the median of several runs, with the CPU seconds
//! the runs took, so a busy machine shows up as wall ≫ CPU.

use std::path::Path;
use std::time::Instant;

use amanmcp_embed::static_model::StaticEmbedder;
use amanmcp_embed::Embedder;

use super::{cpu_seconds, loadavg, median};

/// Cold runs per thread setting (each on a fresh embedder).
const COLD_RUNS: usize = 5;
/// Warm passes per thread setting.
const WARM_RUNS: usize = 15;

/// Resident memory of this process in MiB (Linux; 0 elsewhere).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                let kb = l.strip_prefix("VmRSS:")?.trim().trim_end_matches("kB");
                kb.trim().parse::<f64>().ok()
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Loads the model, returning it with the wall seconds taken.
fn load(dir: &Path) -> (StaticEmbedder, f64) {
    let t0 = Instant::now();
    let e = StaticEmbedder::load(dir, "static-test").expect("load static");
    (e, t0.elapsed().as_secs_f64())
}

/// Wall and CPU seconds of one `embed_documents` pass.
fn pass(e: &StaticEmbedder, texts: &[&str]) -> (f64, f64) {
    let (t0, c0) = (Instant::now(), cpu_seconds());
    let v = e.embed_documents(texts).expect("embed");
    let wall = t0.elapsed().as_secs_f64();
    assert_eq!(v.len(), texts.len());
    (wall, cpu_seconds() - c0)
}

/// Prints one line: median texts/s and tokens/s, and texts per CPU second
/// over all runs.
fn report(label: &str, runs: &[(f64, f64)], texts: usize, tokens: usize) {
    let walls: Vec<f64> = runs.iter().map(|r| r.0).collect();
    let wall = median(&walls);
    let cpu: f64 = runs.iter().map(|r| r.1).sum();
    let per_cpu = if cpu > 0.0 {
        format!("{:9.0}", (texts * runs.len()) as f64 / cpu)
    } else {
        "        ?".into()
    };
    println!(
        "{label:<44} {:9.1} texts/s {:10.0} tokens/s  (median {wall:.3}s of {}; {per_cpu} texts/cpu-s)",
        texts as f64 / wall,
        tokens as f64 / wall,
        runs.len()
    );
}

/// Runs the static tier on `texts`; tokens/s counts the static model's own
/// tokens (cut at 512, as embedded).
pub fn run_static(dir: &Path, texts: &[&str]) {
    println!("static tier, load average {}", loadavg());
    let before = rss_mib();
    let (e, first) = load(dir);
    let mib = rss_mib() - before;
    let tokens: usize = texts
        .iter()
        .map(|t| e.token_counter().count(t).min(512))
        .sum();
    drop(e);
    let loads: Vec<f64> = (0..3).map(|_| load(dir).1).collect();
    println!(
        "static-test load {:.0} ms (first {:.0} ms), +{mib:.0} MiB RSS; {:.1} static tokens/text",
        median(&loads) * 1e3,
        first * 1e3,
        tokens as f64 / texts.len() as f64
    );
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    for (name, pool) in [("1 thread", Some(&one)), ("all threads", None)] {
        let install = |f: &mut (dyn FnMut() + Send)| match pool {
            Some(p) => p.install(f),
            None => f(),
        };
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        for i in 0..COLD_RUNS {
            let (e, _) = load(dir);
            install(&mut || cold.push(pass(&e, texts)));
            if i + 1 == COLD_RUNS {
                install(&mut || warm.extend((0..WARM_RUNS).map(|_| pass(&e, texts))));
            }
        }
        report(
            &format!("static-test (model2vec int8), {name}, cold"),
            &cold,
            texts.len(),
            tokens,
        );
        report(
            &format!("static-test (model2vec int8), {name}, warm"),
            &warm,
            texts.len(),
            tokens,
        );
    }
    println!("static tier done, load average {}", loadavg());
}
