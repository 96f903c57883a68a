//! One blocking HTTP client for both remote backends: timeouts, retries with
//! exponential backoff, bounded body reads and readable server errors. The
//! API key lives only in the `Authorization` header value and is never
//! formatted into a log line or error.

use std::io::Read;
use std::time::Duration;

use super::RemoteOptions;

/// Largest response body accepted; far above any real embedding batch
/// (256 texts × 4096 dims as JSON is ~25 MB) but stops a runaway server.
const MAX_BODY_BYTES: u64 = 512 * 1024 * 1024;
/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Why one request produced no usable body.
#[derive(Debug, Clone)]
pub(super) enum Failure {
    /// The server answered with a non-2xx status; `message` is the server's
    /// own error text when it sent one, `retry_after` its `Retry-After`.
    Status {
        code: u16,
        message: String,
        retry_after: Option<Duration>,
    },
    /// No complete answer: refused or dropped connection, timeout, body cut
    /// short.
    Transport(String),
}

impl Failure {
    /// 5xx, 408, 429 (honouring `Retry-After`, capped at 10 s) and
    /// connection-level failures may succeed on a retry;
    /// other 4xx answers will not.
    fn is_retryable(&self) -> bool {
        match self {
            Failure::Status { code, .. } => *code >= 500 || *code == 429 || *code == 408,
            Failure::Transport(_) => true,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Status { code, message, .. } if message.is_empty() => write!(f, "HTTP {code}"),
            Failure::Status { code, message, .. } => write!(f, "HTTP {code}: {message}"),
            Failure::Transport(m) => f.write_str(m),
        }
    }
}

/// A failure after all attempts were used.
#[derive(Debug, Clone)]
pub(super) struct RequestError {
    pub failure: Failure,
    pub attempts: u32,
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.attempts > 1 {
            write!(f, "{} (after {} attempts)", self.failure, self.attempts)
        } else {
            write!(f, "{}", self.failure)
        }
    }
}

/// Shared connection pool plus retry policy; cheap to share across threads.
pub(super) struct HttpClient {
    agent: ureq::Agent,
    /// Complete `Authorization` header value. Never logged.
    authorization: Option<String>,
    /// The bare key, kept only to scrub it from server error messages.
    secret: Option<String>,
    opts: RemoteOptions,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// Builds a client keeping one idle connection per in-flight request.
    pub(super) fn new(opts: &RemoteOptions, api_key: Option<&str>) -> Self {
        let opts = opts.sanitized();
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(opts.timeout.min(Duration::from_secs(10)))
            .max_idle_connections_per_host(opts.concurrency)
            .build();
        let secret = api_key
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string);
        let authorization = secret.as_ref().map(|k| format!("Bearer {k}"));
        Self {
            agent,
            authorization,
            secret,
            opts,
        }
    }

    /// The options this client was built with (after sanitizing).
    pub(super) fn options(&self) -> &RemoteOptions {
        &self.opts
    }

    /// POSTs a JSON body, retrying retryable failures with exponential
    /// backoff; returns the raw 2xx body.
    pub(super) fn post_json(
        &self,
        url: &str,
        body: &serde_json::Value,
    ) -> Result<Vec<u8>, RequestError> {
        let bytes = serde_json::to_vec(body).map_err(|e| RequestError {
            failure: Failure::Transport(format!("cannot encode request: {e}")),
            attempts: 0,
        })?;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let request = self.request("POST", url, self.opts.timeout);
            let result = self.finish(request.send_bytes(&bytes), self.opts.timeout);
            match result {
                Ok(body) => return Ok(body),
                Err(failure) if failure.is_retryable() && attempt <= self.opts.max_retries => {
                    let mut wait = backoff(self.opts.initial_backoff, attempt);
                    if let Failure::Status {
                        retry_after: Some(asked),
                        ..
                    } = &failure
                    {
                        wait = wait.max(*asked).min(MAX_BACKOFF);
                    }
                    tracing::warn!(
                        "embedding request to {url} failed ({failure}); retry {attempt}/{} in {} ms",
                        self.opts.max_retries,
                        wait.as_millis()
                    );
                    std::thread::sleep(wait);
                }
                Err(failure) => {
                    return Err(RequestError {
                        failure,
                        attempts: attempt,
                    })
                }
            }
        }
    }

    /// One GET without retries, for quick reachability probes.
    pub(super) fn get_once(&self, url: &str, timeout: Duration) -> Result<Vec<u8>, Failure> {
        let request = self.request("GET", url, timeout);
        self.finish(request.call(), timeout)
    }

    /// One POST without retries, for quick probes.
    pub(super) fn post_once(
        &self,
        url: &str,
        body: &serde_json::Value,
        timeout: Duration,
    ) -> Result<Vec<u8>, Failure> {
        let request = self.request("POST", url, timeout);
        self.finish(request.send_json(body), timeout)
    }

    /// Removes the API key from text a server sent back (some echo it).
    fn redact(&self, text: String) -> String {
        match &self.secret {
            Some(key) if text.contains(key.as_str()) => text.replace(key.as_str(), "<redacted>"),
            _ => text,
        }
    }

    fn request(&self, method: &str, url: &str, timeout: Duration) -> ureq::Request {
        let mut request = self
            .agent
            .request(method, url)
            .timeout(timeout)
            .set("Accept", "application/json");
        if let Some(auth) = &self.authorization {
            request = request.set("Authorization", auth);
        }
        request
    }

    fn finish(
        &self,
        result: Result<ureq::Response, ureq::Error>,
        timeout: Duration,
    ) -> Result<Vec<u8>, Failure> {
        match result {
            Ok(response) => read_body(response).map_err(|e| {
                Failure::Transport(format!(
                    "response body cut short: {}",
                    with_timeout_hint(e, timeout)
                ))
            }),
            Err(ureq::Error::Status(code, response)) => {
                let retry_after = response
                    .header("Retry-After")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                let body = read_body(response).unwrap_or_default();
                Err(Failure::Status {
                    code,
                    message: self.redact(server_message(&body)),
                    retry_after,
                })
            }
            Err(ureq::Error::Transport(t)) => Err(Failure::Transport(with_timeout_hint(
                t.to_string(),
                timeout,
            ))),
        }
    }
}

/// Reads the whole body up to [`MAX_BODY_BYTES`].
fn read_body(response: ureq::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    response
        .into_reader()
        .take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| e.to_string())?;
    if body.len() as u64 > MAX_BODY_BYTES {
        return Err(format!("response larger than {MAX_BODY_BYTES} bytes"));
    }
    Ok(body)
}

fn with_timeout_hint(message: String, timeout: Duration) -> String {
    if message.contains("timed out") || message.contains("Timeout") {
        format!(
            "{message} (no complete answer within {timeout:?}; raise the timeout for slow servers)"
        )
    } else {
        message
    }
}

/// The server's own error text: Ollama `{"error": "..."}`, OpenAI
/// `{"error": {"message": "..."}}`, else the start of the body.
pub(super) fn server_message(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let error = value.get("error").or_else(|| value.get("message"));
        match error {
            Some(serde_json::Value::String(s)) => return s.clone(),
            Some(obj) => {
                if let Some(s) = obj.get("message").and_then(|m| m.as_str()) {
                    return s.to_string();
                }
            }
            None => {}
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// `initial × 2^(attempt-1)`, capped at [`MAX_BACKOFF`].
fn backoff(initial: Duration, attempt: u32) -> Duration {
    let factor = 1u32 << attempt.saturating_sub(1).min(16);
    initial.saturating_mul(factor).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let base = Duration::from_millis(100);
        assert_eq!(backoff(base, 1), Duration::from_millis(100));
        assert_eq!(backoff(base, 2), Duration::from_millis(200));
        assert_eq!(backoff(base, 4), Duration::from_millis(800));
        assert_eq!(backoff(base, 30), MAX_BACKOFF);
    }

    #[test]
    fn server_messages_from_both_dialects() {
        assert_eq!(
            server_message(br#"{"error":"model \"x\" not found"}"#),
            "model \"x\" not found"
        );
        assert_eq!(
            server_message(br#"{"error":{"message":"bad key","type":"auth"}}"#),
            "bad key"
        );
        assert_eq!(server_message(b"  plain text  "), "plain text");
    }

    #[test]
    fn retry_rules() {
        let status = |code| Failure::Status {
            code,
            message: String::new(),
            retry_after: None,
        };
        assert!(status(500).is_retryable());
        assert!(status(503).is_retryable());
        assert!(status(429).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(!status(400).is_retryable());
        assert!(!status(401).is_retryable());
        assert!(Failure::Transport("reset".into()).is_retryable());
    }

    #[test]
    fn debug_redacts_key() {
        let client = HttpClient::new(&RemoteOptions::default(), Some("sk-secret-123"));
        let shown = format!("{client:?}");
        assert!(!shown.contains("sk-secret-123"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }
}
