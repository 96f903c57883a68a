//! Property tests: arbitrary bytes, code-like noise and truncated fixtures
//! never make any language's chunker panic, and the chunks always cover
//! every non-blank line. 64 cases, each run through all 21 languages.

mod common;

use amanmcp_scanner::Language;
use common::{check_invariants, chunker, fixture, FIXTURES};
use proptest::prelude::*;

fn all_languages(src: &str) {
    let c = chunker(96);
    for &lang in &Language::ALL {
        let chunks = c.chunk("fuzz", lang, src);
        check_invariants("fuzz", src, &chunks);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        all_languages(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn code_like_noise(src in "[a-z_{}()\\[\\];:,.=<>#/*\"'`@$\\\\ \t\r\n-]{0,600}") {
        all_languages(&src);
    }

    #[test]
    fn truncated_fixtures(which in 0..FIXTURES.len(), cut in 0.0f64..1.0, skip in 0.0f64..0.5) {
        let (name, own) = FIXTURES[which];
        let text = fixture(name);
        let mut end = (text.len() as f64 * cut) as usize;
        let mut start = (end as f64 * skip) as usize;
        while !text.is_char_boundary(end) { end -= 1; }
        while !text.is_char_boundary(start) { start -= 1; }
        let piece = &text[start..end];
        let chunks = chunker(96).chunk(name, own, piece);
        check_invariants(name, piece, &chunks);
        all_languages(piece);
    }
}
