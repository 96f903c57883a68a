//! Test models installed by `scripts/fetch-models.sh`. Included by path
//! (`#[path = "support/fetched.rs"] mod fetched;`) so model tests need not
//! compile the HTTP stubs of `support/mod.rs`.

use std::path::PathBuf;

/// The directory of a fetched test model holding `file`, or `None` with a
/// loud SKIPPED line; with AMANMCP_REQUIRE_MODELS set (CI) a missing model
/// fails the test instead.
pub fn fetched_model(name: &str, file: &str) -> Option<PathBuf> {
    let dir = amanmcp_embed::models::models_dir().join(name);
    if dir.join(file).is_file() {
        return Some(dir);
    }
    if std::env::var_os("AMANMCP_REQUIRE_MODELS").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!(
            "model {name} missing in {} and AMANMCP_REQUIRE_MODELS is set; run scripts/fetch-models.sh",
            dir.display()
        );
    }
    eprintln!(
        "\n*** SKIPPED: model {name} not found in {}; run scripts/fetch-models.sh ***\n",
        dir.display()
    );
    None
}
