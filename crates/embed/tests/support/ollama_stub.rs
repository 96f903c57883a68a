//! A protocol-faithful Ollama server on 127.0.0.1 for tests (Ollama itself
//! cannot be installed on the CI machines). It speaks HTTP/1.1 with
//! keep-alive and implements `/api/embed`, `/api/tags`, `/api/show`,
//! `/api/version` and `/` with Ollama's JSON shapes and error texts, plus
//! injectable faults: 404 model-not-found, 5xx, slow answers, dropped
//! connections, wrong dimensions, malformed JSON, NaN, and sudden death.
//!
//! Vectors come from a real embedder when one is given (MiniLM on candle),
//! else from a deterministic bag-of-words hash so related texts still score
//! higher than unrelated ones.

use std::collections::VecDeque;
use std::io::{BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use amanmcp_embed::Embedder;
use serde_json::{json, Value};

#[path = "http1.rs"]
mod http1;
use http1::{json_response, raw_json, read_request, reason, Request, Response};

/// A misbehaviour applied to one `/api/embed` request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 404 with Ollama's "model not found, try pulling it first" body.
    NotFound,
    /// This status with an Ollama-style `{"error": …}` body.
    Status(u16),
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// Read the request, then close the connection without a byte.
    Drop,
    /// Answer with vectors of this length.
    WrongDims(usize),
    /// A complete HTTP answer whose JSON body is cut in the middle.
    Malformed,
    /// JSON with a bare `NaN` in the first vector (as naive encoders write).
    NaN,
    /// One vector fewer than inputs.
    MissingVector,
    /// The whole server dies: listener closed, every connection dropped.
    Die,
}

struct State {
    addr: SocketAddr,
    models: Mutex<Vec<String>>,
    dims: AtomicUsize,
    latency: Mutex<Duration>,
    queued: Mutex<VecDeque<Fault>>,
    sticky: Mutex<Option<Fault>>,
    die_after: Mutex<Option<usize>>,
    embed_requests: AtomicUsize,
    inputs: Mutex<Vec<Vec<String>>>,
    bodies: Mutex<Vec<Value>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    dead: AtomicBool,
    streams: Mutex<Vec<TcpStream>>,
    source: Option<Arc<dyn Embedder>>,
}

/// A running stub; dropped = killed.
pub struct OllamaStub {
    addr: SocketAddr,
    state: Arc<State>,
    accept: Option<JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl OllamaStub {
    /// Serves `models` with hash vectors of `dims` components.
    pub fn start(models: &[&str], dims: usize) -> Self {
        Self::launch(models, dims, None)
    }

    /// Serves `models` with vectors computed by `source` (a real model).
    pub fn with_embedder(models: &[&str], source: Arc<dyn Embedder>) -> Self {
        let dims = source.info().dims;
        Self::launch(models, dims, Some(source))
    }

    fn launch(models: &[&str], dims: usize, source: Option<Arc<dyn Embedder>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State {
            addr,
            models: Mutex::new(models.iter().map(|m| m.to_string()).collect()),
            dims: AtomicUsize::new(dims),
            latency: Mutex::new(Duration::ZERO),
            queued: Mutex::new(VecDeque::new()),
            sticky: Mutex::new(None),
            die_after: Mutex::new(None),
            embed_requests: AtomicUsize::new(0),
            inputs: Mutex::new(Vec::new()),
            bodies: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            dead: AtomicBool::new(false),
            streams: Mutex::new(Vec::new()),
            source,
        });
        let st = state.clone();
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.dead.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = conn else { continue };
                if let Ok(clone) = stream.try_clone() {
                    lock(&st.streams).push(clone);
                }
                let st = st.clone();
                std::thread::spawn(move || serve_connection(stream, &st));
            }
        });
        Self {
            addr,
            state,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT`, what `AMANMCP_OLLAMA_HOST` would hold.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Applies `fault` to the next `/api/embed` request (queued in order).
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.state.queued).push_back(fault);
    }

    /// Applies `fault` to every `/api/embed` request until cleared.
    pub fn set_sticky(&self, fault: Option<Fault>) {
        *lock(&self.state.sticky) = fault;
    }

    /// Changes the vector length from now on (a different model behind the name).
    pub fn set_dims(&self, dims: usize) {
        self.state.dims.store(dims, Ordering::SeqCst);
    }

    /// Adds this delay to every `/api/embed` answer, so overlap is observable.
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.state.latency) = latency;
    }

    /// Dies on the request after `n` successful `/api/embed` requests.
    pub fn die_after(&self, n: usize) {
        *lock(&self.state.die_after) = Some(n);
    }

    /// Number of `/api/embed` requests received.
    pub fn embed_requests(&self) -> usize {
        self.state.embed_requests.load(Ordering::SeqCst)
    }

    /// Most `/api/embed` requests seen being handled at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// The `input` arrays received, in arrival order.
    pub fn inputs(&self) -> Vec<Vec<String>> {
        lock(&self.state.inputs).clone()
    }

    /// The raw `/api/embed` request bodies, in arrival order.
    pub fn bodies(&self) -> Vec<Value> {
        lock(&self.state.bodies).clone()
    }

    /// Kills the server now: later connects are refused, open ones dropped.
    pub fn kill(&mut self) {
        kill_state(&self.state);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }

    /// The vector this stub gives `text` (hash source only), for comparisons.
    pub fn hash_vector(text: &str, dims: usize) -> Vec<f32> {
        hash_vector(text, dims)
    }
}

impl Drop for OllamaStub {
    fn drop(&mut self) {
        self.kill();
    }
}

fn kill_state(state: &State) {
    if state.dead.swap(true, Ordering::SeqCst) {
        return;
    }
    for s in lock(&state.streams).drain(..) {
        let _ = s.shutdown(Shutdown::Both);
    }
    // wake the accept loop so it sees `dead` and drops the listener
    let _ = TcpStream::connect_timeout(&state.addr, Duration::from_millis(200));
}

fn serve_connection(stream: TcpStream, state: &State) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        if state.dead.load(Ordering::SeqCst) {
            break;
        }
        let Some(response) = route(&request, state) else {
            // fault: drop the connection without answering
            let _ = writer.shutdown(Shutdown::Both);
            return;
        };
        if state.dead.load(Ordering::SeqCst) {
            break;
        }
        let head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n",
            response.status,
            reason(response.status),
            response.content_type,
            response.body.len(),
            if request.keep_alive {
                ""
            } else {
                "Connection: close\r\n"
            }
        );
        if writer.write_all(head.as_bytes()).is_err()
            || writer.write_all(&response.body).is_err()
            || writer.flush().is_err()
        {
            return;
        }
        if !request.keep_alive {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

/// `None` means: drop the connection without answering.
fn route(request: &Request, state: &State) -> Option<Response> {
    let models = lock(&state.models).clone();
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/") | ("HEAD", "/") => Some(Response {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: b"Ollama is running".to_vec(),
        }),
        ("GET", "/api/version") => Some(json_response(200, &json!({"version": "0.12.6"}))),
        ("GET", "/api/tags") => Some(json_response(200, &tags(&models))),
        ("POST", "/api/show") => Some(show(request, &models, state)),
        ("POST", "/api/embed") => embed(request, &models, state),
        _ => Some(Response {
            status: 404,
            content_type: "text/plain",
            body: b"404 page not found".to_vec(),
        }),
    }
}

fn installed<'a>(models: &'a [String], wanted: &str) -> Option<&'a String> {
    let strip = |s: &str| s.strip_suffix(":latest").unwrap_or(s).to_string();
    models.iter().find(|m| strip(m) == strip(wanted))
}

fn full_name(name: &str) -> String {
    if name.contains(':') {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

fn tags(models: &[String]) -> Value {
    let entries: Vec<Value> = models
        .iter()
        .map(|m| {
            let name = full_name(m);
            json!({
                "name": name,
                "model": name,
                "modified_at": "2025-10-01T12:00:00.000000000Z",
                "size": 639_150_000u64,
                "digest": format!("{:064x}", fnv(m.as_bytes()) as u128),
                "details": {
                    "parent_model": "",
                    "format": "gguf",
                    "family": family(m),
                    "families": [family(m)],
                    "parameter_size": "595.78M",
                    "quantization_level": "Q8_0"
                }
            })
        })
        .collect();
    json!({ "models": entries })
}

fn family(model: &str) -> &'static str {
    if model.contains("qwen3") {
        "qwen3"
    } else if model.contains("nomic") {
        "nomic-bert"
    } else {
        "bert"
    }
}

fn show(request: &Request, models: &[String], state: &State) -> Response {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let wanted = body
        .get("model")
        .or_else(|| body.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(name) = installed(models, wanted) else {
        return json_response(
            404,
            &json!({"error": format!("model '{wanted}' not found")}),
        );
    };
    let arch = family(name);
    let context = if arch == "qwen3" { 32768 } else { 512 };
    let mut info = serde_json::Map::new();
    info.insert("general.architecture".into(), json!(arch));
    info.insert(format!("{arch}.context_length"), json!(context));
    info.insert(
        format!("{arch}.embedding_length"),
        json!(state.dims.load(Ordering::SeqCst)),
    );
    json_response(
        200,
        &json!({
            "license": "Apache License 2.0",
            "modelfile": format!("FROM {name}\n"),
            "parameters": "",
            "template": "{{ .Prompt }}",
            "details": {"parent_model": "", "format": "gguf", "family": arch,
                        "families": [arch], "parameter_size": "595.78M",
                        "quantization_level": "Q8_0"},
            "model_info": Value::Object(info),
            "capabilities": ["embedding"],
            "modified_at": "2025-10-01T12:00:00.000000000Z"
        }),
    )
}

fn embed(request: &Request, models: &[String], state: &State) -> Option<Response> {
    let n = state.embed_requests.fetch_add(1, Ordering::SeqCst);
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let response = embed_inner(request, models, state, n);
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}

fn embed_inner(request: &Request, models: &[String], state: &State, n: usize) -> Option<Response> {
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(v) => v,
        Err(e) => return Some(json_response(400, &json!({"error": e.to_string()}))),
    };
    lock(&state.bodies).push(body.clone());
    let model = body.get("model").and_then(Value::as_str).unwrap_or("");
    let inputs: Vec<String> = match body.get("input") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().unwrap_or_default().to_string())
            .collect(),
        _ => Vec::new(),
    };
    lock(&state.inputs).push(inputs.clone());

    let latency = *lock(&state.latency);
    if !latency.is_zero() {
        sleep_unless_dead(latency, state);
    }
    let dies_now = lock(&state.die_after).is_some_and(|limit| n >= limit);
    let fault = if dies_now {
        Some(Fault::Die)
    } else {
        lock(&state.queued)
            .pop_front()
            .or_else(|| lock(&state.sticky).clone())
    };
    if installed(models, model).is_none() {
        return Some(json_response(
            404,
            &json!({"error": format!("model \"{model}\" not found, try pulling it first")}),
        ));
    }
    let mut dims = state.dims.load(Ordering::SeqCst);
    match fault {
        Some(Fault::NotFound) => {
            return Some(json_response(
                404,
                &json!({"error": format!("model \"{model}\" not found, try pulling it first")}),
            ))
        }
        Some(Fault::Status(code)) => {
            return Some(json_response(
                code,
                &json!({"error": "llama runner process has terminated: exit status 2"}),
            ))
        }
        Some(Fault::Slow(d)) => sleep_unless_dead(d, state),
        Some(Fault::Drop) => return None,
        Some(Fault::Die) => {
            kill_state(state);
            return None;
        }
        Some(Fault::WrongDims(d)) => dims = d,
        Some(Fault::Malformed) => {
            return Some(raw_json(
                200,
                format!("{{\"model\":\"{model}\",\"embeddings\":[[0.1,0.2,"),
            ))
        }
        Some(Fault::NaN) => {
            let mut vectors = vectors_for(&inputs, dims, state);
            let mut text = String::from("[[NaN");
            if let Some(first) = vectors.first_mut() {
                for x in first.iter().skip(1) {
                    text.push_str(&format!(",{x}"));
                }
            }
            text.push(']');
            for v in vectors.iter().skip(1) {
                text.push_str(&format!(
                    ",{}",
                    serde_json::to_string(v).unwrap_or_default()
                ));
            }
            text.push(']');
            return Some(raw_json(
                200,
                format!("{{\"model\":\"{model}\",\"embeddings\":{text}}}"),
            ));
        }
        Some(Fault::MissingVector) => {
            let mut vectors = vectors_for(&inputs, dims, state);
            vectors.pop();
            return Some(json_response(
                200,
                &json!({"model": model, "embeddings": vectors}),
            ));
        }
        None => {}
    }
    let started = Instant::now();
    let vectors = vectors_for(&inputs, dims, state);
    let tokens: usize = inputs
        .iter()
        .map(|t| t.split_whitespace().count() + 2)
        .sum();
    Some(json_response(
        200,
        &json!({
            "model": model,
            "embeddings": vectors,
            "total_duration": started.elapsed().as_nanos() as u64 + 1_000_000,
            "load_duration": 1_000_000u64,
            "prompt_eval_count": tokens
        }),
    ))
}

fn sleep_unless_dead(total: Duration, state: &State) {
    let until = Instant::now() + total;
    while Instant::now() < until && !state.dead.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(5).min(until - Instant::now()));
    }
}

fn vectors_for(inputs: &[String], dims: usize, state: &State) -> Vec<Vec<f32>> {
    if let Some(source) = &state.source {
        if dims == source.info().dims {
            let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
            if let Ok(v) = source.embed_documents(&refs) {
                return v;
            }
        }
    }
    inputs.iter().map(|t| hash_vector(t, dims)).collect()
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Bag-of-words hashing: each lowercase word adds ±1 to one component.
fn hash_vector(text: &str, dims: usize) -> Vec<f32> {
    let dims = dims.max(1);
    let mut v = vec![0f32; dims];
    let lower = text.to_lowercase();
    let mut any = false;
    for word in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let h = fnv(word.as_bytes());
        let i = (h % dims as u64) as usize;
        v[i] += if h >> 63 == 0 { 1.0 } else { -1.0 };
        any = true;
    }
    if !any || v.iter().all(|x| *x == 0.0) {
        v[(fnv(text.as_bytes()) % dims as u64) as usize] = 1.0;
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    v
}
