//! Definitions inside item-position macros (`cfg_rt! { … }`) are chunked
//! like any other; macros whose bodies are not items stay whole.

mod common;

use amanmcp_chunker::ChunkKind;
use amanmcp_scanner::Language;
use common::{check_invariants, chunker};

fn body() -> String {
    "        let value = compute(1, 2, 3);\n".repeat(12)
}

#[test]
fn functions_inside_cfg_macros_get_their_own_chunks() {
    let b = body();
    let src = format!(
        "use std::io;\n\ncfg_rt! {{\n    /// Spawns a task.\n    pub fn spawn_task(x: u32) -> u32 {{\n{b}        x\n    }}\n\n    pub fn block_on_task(x: u32) -> u32 {{\n{b}        x\n    }}\n}}\n\n\
         impl Runtime {{\n    cfg_time! {{\n        pub fn time_handle(&self) -> u32 {{\n{b}            1\n        }}\n\n        pub fn io_handle(&self) -> u32 {{\n{b}            2\n        }}\n\n        pub fn signal_handle(&self) -> u32 {{\n{b}            3\n        }}\n    }}\n}}\n"
    );
    let chunks = chunker(384).chunk("rt.rs", Language::Rust, &src);
    check_invariants("rt.rs", &src, &chunks);
    let spawn = chunks
        .iter()
        .find(|c| c.symbol.as_deref() == Some("spawn_task"))
        .expect("spawn_task chunk");
    assert_eq!(spawn.kind, ChunkKind::Function);
    assert!(spawn.content.contains("/// Spawns a task."), "doc attached");
    assert!(chunks
        .iter()
        .any(|c| c.symbol.as_deref() == Some("block_on_task")));
    let time = chunks
        .iter()
        .find(|c| c.symbol.as_deref() == Some("time_handle"))
        .expect("time_handle chunk");
    assert_eq!(time.kind, ChunkKind::Method);
    assert_eq!(
        time.qualified_symbol().as_deref(),
        Some("Runtime::time_handle")
    );
    // The chunk text is the original source, macro heads included somewhere.
    assert!(chunks.iter().any(|c| c.content.contains("cfg_rt! {")));
}

#[test]
fn trait_methods_inside_macros_are_found() {
    let src = "pub trait ReadExt {\n    read_impl! {\n        fn read_u8(&mut self) -> ReadU8;\n        fn read_i128(&mut self) -> ReadI128;\n    }\n}\n"
        .to_string()
        + &format!("\nfn filler() {{\n{}}}\n", body());
    let chunks = chunker(40).chunk("ext.rs", Language::Rust, &src);
    check_invariants("ext.rs", &src, &chunks);
    assert!(
        chunks.iter().any(|c| c.content.contains("read_i128")),
        "{chunks:#?}"
    );
}

#[test]
fn macros_that_are_not_item_lists_stay_whole() {
    let src = "bitflags! {\n    pub struct Flags: u32 {\n        const A = 1;\n        const B = 2;\n    }\n}\n\n\
               lazy_static! {\n    static ref TABLE: Vec<u8> = build();\n}\n\n\
               macro_rules! twice {\n    ($e:expr) => { $e; $e };\n}\n";
    let chunks = chunker(384).chunk("flags.rs", Language::Rust, src);
    check_invariants("flags.rs", src, &chunks);
    assert!(chunks.iter().all(|c| c.symbol.as_deref() != Some("Flags")));
    assert!(chunks.iter().any(|c| c.content.contains("bitflags! {")));
}

#[test]
fn unbalanced_or_nested_macros_never_lose_lines() {
    let src = "cfg_a! {\n    cfg_b! {\n        pub fn deep() -> u32 {\n            1\n        }\n    }\n}\n\
               cfg_c! {\n    pub fn broken( {\n}\n";
    let chunks = chunker(384).chunk("nested.rs", Language::Rust, src);
    check_invariants("nested.rs", src, &chunks);
    assert!(chunks.iter().any(|c| c.content.contains("fn deep")));
}
