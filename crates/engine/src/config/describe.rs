//! `config show`: the merged configuration as `key: value` lines.

use super::Config;

impl Config {
    /// Every key with its effective value, named as in `.amanmcp.yaml`;
    /// the API key is redacted.
    pub fn describe(&self) -> Vec<(String, String)> {
        fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
            v.as_ref()
                .map_or_else(|| "~".to_string(), |v| v.to_string())
        }
        let r = &self.ranking;
        vec![
            ("embedder".into(), self.embedder.to_string()),
            ("model".into(), opt(&self.model)),
            ("static_model".into(), opt(&self.static_model)),
            ("device".into(), self.device.to_string()),
            ("ollama.host".into(), self.ollama_host.clone()),
            ("ollama.model".into(), self.ollama_model.clone()),
            ("openai.url".into(), opt(&self.openai_url)),
            ("openai.model".into(), opt(&self.openai_model)),
            ("openai.dimensions".into(), opt(&self.openai_dimensions)),
            (
                "openai.input_type".into(),
                self.openai_input_type.to_string(),
            ),
            (
                "openai.api_key (AMANMCP_OPENAI_API_KEY)".into(),
                if self.openai_api_key.is_some() {
                    "<set>".into()
                } else {
                    "~".into()
                },
            ),
            (
                "remote.concurrency".into(),
                self.remote_concurrency.to_string(),
            ),
            (
                "remote.batch_size".into(),
                self.remote_batch_size.to_string(),
            ),
            (
                "remote.timeout_secs".into(),
                self.remote_timeout.as_secs().to_string(),
            ),
            (
                "embedding.batch_token_budget".into(),
                self.batch_token_budget.to_string(),
            ),
            ("embedding.threads".into(), opt(&self.threads)),
            (
                "embedding.allow_download".into(),
                self.allow_download.to_string(),
            ),
            (
                "embedding.cache_path".into(),
                opt(&self.cache_path.as_ref().map(|p| p.display().to_string())),
            ),
            (
                "chunking.max_tokens".into(),
                self.max_chunk_tokens.to_string(),
            ),
            ("scan.max_file_size".into(), self.max_file_size.to_string()),
            ("scan.ignore".into(), format!("{:?}", self.ignore)),
            ("search.bm25_weight".into(), r.bm25_weight.to_string()),
            ("search.vector_weight".into(), r.vector_weight.to_string()),
            ("search.rrf_k".into(), r.rrf_k.to_string()),
            ("search.test_penalty".into(), r.test_penalty.to_string()),
            ("search.symbol_boost".into(), r.symbol_boost.to_string()),
            ("search.path_boost".into(), r.path_boost.to_string()),
            ("search.rerank".into(), r.rerank.to_string()),
            (
                "search.query_adapter".into(),
                self.query_adapter.to_string(),
            ),
            (
                "search.default_limit".into(),
                self.default_limit.to_string(),
            ),
            (
                "index.lock_timeout_secs".into(),
                self.lock_timeout.as_secs().to_string(),
            ),
        ]
    }
}
