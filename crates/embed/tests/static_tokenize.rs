//! The static tokenizer's fast path must give exactly the ids of
//! `Tokenizer::encode(text, false)`: checked on every 20-line window of this
//! workspace's sources and of the benchmark corpus (when present), on edge
//! cases, and with two tokenizer families (static-test's Unigram with a
//! SentencePiece charsmap and Metaspace, MiniLM's WordPiece with the BERT
//! normalizer and pre-tokenizer). Models come from scripts/fetch-models.sh;
//! the tests skip loudly without them unless AMANMCP_REQUIRE_MODELS is set.

use std::path::{Path, PathBuf};

use amanmcp_chunker::TokenCounter;
use amanmcp_embed::static_tokenize::StaticTokenizer;
use tokenizers::{Tokenizer, TruncationParams};

#[path = "support/fetched.rs"]
mod fetched;

use fetched::fetched_model;

/// Source and text files under `dir`, sorted, skipping hidden and target.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        if p.is_dir() {
            if !name.starts_with('.') && name != "target" {
                files(&p, out);
            }
        } else if [".rs", ".py", ".md", ".toml", ".sh"]
            .iter()
            .any(|e| name.ends_with(e))
        {
            out.push(p);
        }
    }
}

/// 20-line windows of the workspace sources and (up to `corpus_max`,
/// evenly spaced) of the benchmark corpus.
fn windows(corpus_max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for dir in [root.join("crates"), root.join("docs"), root.join("scripts")] {
        let mut fs = Vec::new();
        files(&dir, &mut fs);
        out.extend(fs.iter().flat_map(|f| file_windows(f)));
    }
    let mut fs = Vec::new();
    files(Path::new("/tmp/amanmcp-bench/corpus"), &mut fs);
    let corpus: Vec<String> = fs.iter().flat_map(|f| file_windows(f)).collect();
    let step = corpus.len().div_ceil(corpus_max.max(1)).max(1);
    out.extend(corpus.into_iter().step_by(step));
    out
}

/// A file's 20-line windows, line endings kept.
fn file_windows(f: &Path) -> Vec<String> {
    let text = String::from_utf8_lossy(&std::fs::read(f).unwrap_or_default()).into_owned();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    lines.chunks(20).map(|c| c.concat()).collect()
}

/// Empty, whitespace-only, control, Unicode, added-token and very long texts.
fn edge_cases() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        " ",
        "\n\n\t  \r\n",
        "\r\n",
        "a\r\nb\rc\nd\r",
        "x",
        "hello world",
        "  leading and trailing  ",
        "tabs\there\tand\u{b}vertical\u{c}feed",
        "nul\0byte and \u{1} controls \u{7f} del",
        "ünïcödé café naïve Straße ΣΊΣΥΦΟΣ",
        "日本語のテキスト 中文 한국어",
        "emoji 🎉👍🏽 👨‍👩‍👧 flags 🇩🇪",
        "e\u{301} combining a\u{308}",
        "box ─│┌┐└┘├┤ drawing ━━━",
        "\u{a0}nbsp\u{2003}em space\u{3000}ideographic\u{85}nel",
        "zero\u{200b}width\u{feff}bom",
        "▁already▁metaspace ▁ ▁▁",
        "fn main() { println!(\"{}\", x.iter().map(|y| y * 2).sum::<i32>()); }",
        "<pad> <unk> [UNK] [CLS] [SEP] [PAD] [MASK] <s> </s>",
        "text<pad>glued<unk>tokens[SEP]here",
        "ＦＵＬＬＷＩＤＴＨ ｆｕｌｌ ①②③ ﬁ ligature",
        "MiXeD CaSe ACRONYMS camelCaseIdent snake_case_ident SCREAMING_CASE",
        "1234567890 3.14159 0xDEADBEEF 1e-9 1_000_000",
        "!@#$%^&*()_+-=[]{}|;':\",./<>?`~\\",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("word ".repeat(3000));
    v.push("averyveryverylongidentifierwithoutanybreaks".repeat(40));
    v.push("fn f() {}\n".repeat(400));
    v.push(("αβγ δεζ ".repeat(300)) + "tail");
    v
}

/// The reference tokenizer without and with truncation at 512.
fn reference(path: &Path) -> (Tokenizer, Tokenizer) {
    let mut plain = Tokenizer::from_file(path).unwrap();
    plain.with_padding(None);
    plain.with_truncation(None).unwrap();
    let mut cut = plain.clone();
    cut.with_truncation(Some(TruncationParams {
        max_length: 512,
        ..Default::default()
    }))
    .unwrap();
    (plain, cut)
}

/// What `encode` gives for each text: all ids, and with truncation at 512
/// (asked of the truncating tokenizer only where it can matter).
fn expected(plain: &Tokenizer, cut: &Tokenizer, texts: &[String]) -> Vec<(Vec<u32>, Vec<u32>)> {
    texts
        .iter()
        .map(|t| {
            let full = plain.encode(t.as_str(), false).unwrap().get_ids().to_vec();
            let short = if full.len() > 500 {
                cut.encode(t.as_str(), false).unwrap().get_ids().to_vec()
            } else {
                full.clone()
            };
            (full, short)
        })
        .collect()
}

/// Ids, truncated ids, batched ids and counts equal `encode` on every text,
/// with a cold and then a warm word cache.
fn check(fast: &StaticTokenizer, texts: &[String], want: &[(Vec<u32>, Vec<u32>)]) {
    for round in 0..2 {
        for (t, (full, short)) in texts.iter().zip(want) {
            assert_eq!(&fast.ids(t, None).unwrap(), full, "round {round}, {t:?}");
            let got = fast.ids(t, Some(512)).unwrap();
            assert_eq!(&got, short, "truncated, round {round}, {t:?}");
        }
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    for ((t, got), (full, short)) in refs.iter().zip(fast.ids_batch(&refs, Some(512))).zip(want) {
        assert_eq!(&got.unwrap(), short, "batch, {t:?}");
        assert_eq!(fast.count(t), full.len());
    }
}

/// Both loaders: `new` (the library's model) and `from_file` (the compact
/// Unigram where the model is one). Returns the `from_file` tokenizer.
fn check_file(path: &Path, texts: &[String], fast_path: bool) -> StaticTokenizer {
    let (plain, cut) = reference(path);
    let want = expected(&plain, &cut, texts);
    let lib = StaticTokenizer::new(plain.clone());
    assert_eq!(lib.is_fast(), fast_path, "{}", path.display());
    check(&lib, texts, &want);
    drop(lib);
    let own = StaticTokenizer::from_file(path).unwrap();
    assert_eq!(own.is_fast(), fast_path, "{}", path.display());
    check(&own, texts, &want);
    if fast_path {
        assert!(own.cached_words() > 0);
    }
    for t in [
        "<unk>", "[UNK]", "<pad>", "[PAD]", "<s>", "▁the", "the", "zzqqxx",
    ] {
        assert_eq!(own.token_to_id(t), plain.token_to_id(t), "{t}");
    }
    own
}

/// Deterministic pseudo-random strings over a mix of code, rare and
/// unknown characters, for the Viterbi search and unknown-run fusing.
fn random_texts(n: usize) -> Vec<String> {
    let alphabet: Vec<char> = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789_.,;:()[]{}<>=+-*/&|!?'\"#@$%^~` \n\t\r▁éüßçñøåæ日本語中文한국어🎉👍🏽\u{301}\u{200b}\u{a0}ǅﬁ①Ⅻ\u{0}\u{7f}"
        .chars()
        .collect();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|_| {
            let len = (next() % 60) as usize;
            (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect()
        })
        .collect()
}

#[test]
fn static_test_ids_match_encode() {
    let Some(dir) = fetched_model("static-test", "tokenizer.json") else {
        return;
    };
    let mut texts = edge_cases();
    texts.extend(random_texts(2000));
    texts.extend(windows(3000));
    let own = check_file(&dir.join("tokenizer.json"), &texts, true);
    assert!(own.is_own_unigram());
}

#[test]
fn wordpiece_ids_match_encode() {
    let Some(dir) = fetched_model("all-MiniLM-L6-v2", "tokenizer.json") else {
        return;
    };
    let mut texts = edge_cases();
    texts.extend(random_texts(500));
    texts.extend(windows(1000));
    let own = check_file(&dir.join("tokenizer.json"), &texts, true);
    assert!(!own.is_own_unigram());
}

/// static-test's Unigram behind other tokenizer settings: a position-
/// dependent pre-tokenizer (the plain pipeline with the compact model), and
/// extra added tokens (an id past the vocabulary, a normalized one).
#[test]
fn unigram_variants_match_encode() {
    let Some(dir) = fetched_model("static-test", "tokenizer.json") else {
        return;
    };
    let raw = std::fs::read_to_string(dir.join("tokenizer.json")).unwrap();
    let base: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut texts = edge_cases();
    texts.extend(random_texts(300));
    texts.extend(windows(300).into_iter().take(600));
    texts.push("call foo_bar and <mask> then foo_bar<mask>".into());

    let mut first = base.clone();
    first["pre_tokenizer"] = serde_json::json!({
        "type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true
    });
    let path = tmp.path().join("first.json");
    std::fs::write(&path, first.to_string()).unwrap();
    assert!(check_file(&path, &texts, false).is_own_unigram());

    let mut added = base.clone();
    let list = added["added_tokens"].as_array_mut().unwrap();
    for (id, content, normalized) in [(276326, "<mask>", false), (276327, "foo_bar", true)] {
        list.push(serde_json::json!({
            "id": id, "content": content, "single_word": false, "lstrip": false,
            "rstrip": false, "normalized": normalized, "special": !normalized
        }));
    }
    let path = tmp.path().join("added.json");
    std::fs::write(&path, added.to_string()).unwrap();
    let own = check_file(&path, &texts, true);
    assert_eq!(own.token_to_id("<mask>"), Some(276326));
}

/// Byte fallback and a missing unknown id, on a hand-made Unigram.
#[test]
fn tiny_unigram_edge_cases() {
    let tmp = tempfile::tempdir().unwrap();
    let mut vocab = vec![
        serde_json::json!(["<unk>", 0.0]),
        serde_json::json!(["▁a", -1.0]),
        serde_json::json!(["a", -2.0]),
        serde_json::json!(["b", -2.5]),
        serde_json::json!(["ab", -3.0]),
        serde_json::json!(["▁", -4.0]),
        serde_json::json!(["ab", -0.5]),
    ];
    for b in 0..=255u8 {
        vocab.push(serde_json::json!([format!("<0x{b:02X}>"), -10.0]));
    }
    let texts: Vec<String> = ["a b ab ba", "aé日", "🎉 ab", "", " ", "bbb aaa ababab"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for (unk, byte_fallback) in [(serde_json::json!(0), true), (serde_json::json!(0), false)] {
        let tok = serde_json::json!({
            "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
            "normalizer": null,
            "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
            "post_processor": null, "decoder": null,
            "model": {"type": "Unigram", "unk_id": unk, "vocab": vocab, "byte_fallback": byte_fallback}
        });
        let path = tmp.path().join("tiny.json");
        std::fs::write(&path, tok.to_string()).unwrap();
        check_file(&path, &texts, false);
    }
    // No unknown id: both fail on an unknown character, both work otherwise.
    let tok = serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": null, "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": null, "decoder": null,
        "model": {"type": "Unigram", "unk_id": null, "vocab": vocab[1..6], "byte_fallback": false}
    });
    let path = tmp.path().join("nounk.json");
    std::fs::write(&path, tok.to_string()).unwrap();
    let (plain, _) = reference(&path);
    let own = StaticTokenizer::from_file(&path).unwrap();
    assert!(own.is_own_unigram());
    assert!(plain.encode("a zz", false).is_err());
    assert!(own.ids("a zz", None).is_err());
    assert_eq!(
        own.ids("ab ba", None).unwrap(),
        plain.encode("ab ba", false).unwrap().get_ids()
    );
}

#[test]
fn unsupported_pre_tokenizer_uses_plain_encode() {
    // A bare Metaspace is not word-local; the result must still be exact.
    let tokenizer = serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": null,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true},
        "post_processor": null, "decoder": null,
        "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "▁a": 1, "▁b": 2, "▁": 3}, "unk_token": "[UNK]"}
    });
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("tokenizer.json");
    std::fs::write(&path, tokenizer.to_string()).unwrap();
    let fast = StaticTokenizer::new(Tokenizer::from_file(&path).unwrap());
    assert!(!fast.is_fast());
    let want = Tokenizer::from_file(&path)
        .unwrap()
        .encode("a  b c", false)
        .unwrap();
    assert_eq!(fast.ids("a  b c", None).unwrap(), want.get_ids());
    assert_eq!(fast.ids("a  b c", Some(2)).unwrap(), &want.get_ids()[..2]);
}
