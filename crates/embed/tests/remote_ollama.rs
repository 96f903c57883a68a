//! Ollama client against the protocol-faithful stub server: request shapes,
//! batching, concurrency, retries and every fault the issue lists.

mod support;

use std::time::Duration;

use amanmcp_embed::remote::{OllamaEmbedder, RemoteOptions};
use amanmcp_embed::{EmbedError, Embedder};
use support::ollama_stub::{Fault, OllamaStub};
use support::{assert_unit, dot};

const MODEL: &str = "all-minilm";

fn fast_opts(batch_size: usize, concurrency: usize) -> RemoteOptions {
    RemoteOptions {
        batch_size,
        concurrency,
        timeout: Duration::from_secs(20),
        max_retries: 2,
        initial_backoff: Duration::from_millis(20),
    }
}

fn texts(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("fn handler_{i}(request: Request) -> Response {{ route number {i} }}"))
        .collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A stub with real MiniLM vectors when the model is installed.
fn stub() -> OllamaStub {
    match support::minilm() {
        Some(model) => OllamaStub::with_embedder(&[MODEL, "qwen3-embedding:0.6b"], model),
        None => OllamaStub::start(&[MODEL, "qwen3-embedding:0.6b"], 384),
    }
}

#[test]
fn batches_keep_order_and_speak_the_protocol() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(8, 4)).unwrap();
    assert_eq!(e.info().backend, "ollama");
    assert_eq!(e.info().model_id, MODEL);
    assert_eq!(e.info().dims, 384);
    assert_eq!(e.info().device, "remote");
    let input = texts(50);
    let vectors = e.embed_documents(&refs(&input)).unwrap();
    assert_eq!(vectors.len(), 50);
    for v in &vectors {
        assert_eq!(v.len(), 384);
        assert_unit(v);
    }
    // order: each vector equals the one for its text embedded alone
    for i in [0, 7, 8, 31, 49] {
        let alone = e.embed_documents(&[input[i].as_str()]).unwrap();
        assert!(
            dot(&alone[0], &vectors[i]) > 0.999,
            "vector {i} out of place"
        );
    }
    // 1 probe + ceil(50/8) = 7 batches, then 5 singles
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 1 + 7 + 5);
    for body in &bodies {
        assert_eq!(body["model"], MODEL);
        assert_eq!(body["truncate"], true);
        assert!(body["input"].is_array(), "input must be an array: {body}");
    }
    let sizes: Vec<usize> = server.inputs()[1..8].iter().map(Vec::len).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 50);
    assert!(sizes.iter().all(|n| *n <= 8));
}

#[test]
fn real_vectors_rank_related_text_first() {
    let Some(model) = support::minilm() else {
        support::loud_skip(
            "real_vectors_rank_related_text_first: MiniLM not installed (scripts/fetch-models.sh)",
        );
        return;
    };
    let server = OllamaStub::with_embedder(&[MODEL], model.clone());
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(4, 2)).unwrap();
    let docs = [
        "def parse_config(path): return json.load(open(path))",
        "async fn accept_connections(listener: TcpListener)",
    ];
    let vectors = e.embed_documents(&docs).unwrap();
    let q = e.embed_query("read settings from a json file").unwrap();
    assert!(dot(&q, &vectors[0]) > dot(&q, &vectors[1]));
    // the stub really serves the local model's vectors
    let local = model.embed_documents(&docs[..1]).unwrap();
    assert!(dot(&local[0], &vectors[0]) > 0.999);
}

#[test]
fn keeps_several_requests_in_flight() {
    let server = OllamaStub::start(&[MODEL], 64);
    server.set_latency(Duration::from_millis(150));
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(4, 4)).unwrap();
    e.embed_documents(&refs(&texts(64))).unwrap();
    assert_eq!(server.max_in_flight(), 4, "expected 4 concurrent requests");

    let serial = OllamaStub::start(&[MODEL], 64);
    serial.set_latency(Duration::from_millis(20));
    let e = OllamaEmbedder::connect(&serial.url(), MODEL, &fast_opts(4, 1)).unwrap();
    e.embed_documents(&refs(&texts(32))).unwrap();
    assert_eq!(serial.max_in_flight(), 1);
}

#[test]
fn missing_model_names_the_pull_command() {
    let server = stub();
    let err =
        OllamaEmbedder::connect(&server.url(), "nomic-embed-text", &fast_opts(8, 2)).unwrap_err();
    assert!(matches!(err, EmbedError::ModelNotFound { .. }), "{err:?}");
    assert!(
        err.to_string().contains("`ollama pull nomic-embed-text`"),
        "{err}"
    );
    // 404 is not retried
    assert_eq!(server.embed_requests(), 1);
}

#[test]
fn model_removed_mid_run_names_the_pull_command() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(8, 2)).unwrap();
    server.push_fault(Fault::NotFound);
    let err = e.embed_documents(&refs(&texts(3))).unwrap_err();
    assert!(
        err.to_string().contains("`ollama pull all-minilm`"),
        "{err}"
    );
}

#[test]
fn probe_checks_reachability_and_model() {
    let server = stub();
    OllamaEmbedder::probe(&server.url(), MODEL, Duration::from_secs(2)).unwrap();
    OllamaEmbedder::probe(&server.url(), "all-minilm:latest", Duration::from_secs(2)).unwrap();
    let err = OllamaEmbedder::probe(&server.url(), "bge-m3", Duration::from_secs(2)).unwrap_err();
    assert!(err.to_string().contains("`ollama pull bge-m3`"), "{err}");
    assert_eq!(server.embed_requests(), 0, "probe must not embed");

    let addr = server.url();
    drop(server);
    let err = OllamaEmbedder::probe(&addr, MODEL, Duration::from_millis(500)).unwrap_err();
    assert!(matches!(err, EmbedError::Remote { .. }), "{err:?}");
    assert!(err.to_string().contains("not reachable"), "{err}");
}

#[test]
fn server_errors_are_retried_until_success() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(8, 1)).unwrap();
    let before = server.embed_requests();
    server.push_fault(Fault::Status(500));
    server.push_fault(Fault::Status(503));
    let v = e.embed_documents(&refs(&texts(5))).unwrap();
    assert_eq!(v.len(), 5);
    assert_eq!(server.embed_requests() - before, 3);
}

#[test]
fn rate_limits_are_retried() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(8, 1)).unwrap();
    let before = server.embed_requests();
    server.push_fault(Fault::Status(429));
    assert_eq!(e.embed_documents(&refs(&texts(3))).unwrap().len(), 3);
    assert_eq!(server.embed_requests() - before, 2);
}

#[test]
fn client_errors_are_not_retried() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(8, 1)).unwrap();
    let before = server.embed_requests();
    server.push_fault(Fault::Status(400));
    let err = e.embed_documents(&refs(&texts(5))).unwrap_err();
    assert!(err.to_string().contains("HTTP 400"), "{err}");
    assert_eq!(server.embed_requests() - before, 1);
}

#[test]
fn persistent_server_errors_give_up_with_a_clear_message() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(8, 2)).unwrap();
    server.set_sticky(Some(Fault::Status(503)));
    let err = e.embed_documents(&refs(&texts(20))).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("HTTP 503") && msg.contains("after 3 attempts"),
        "{msg}"
    );
    assert!(msg.contains(&server.url()), "names the server: {msg}");
}

#[test]
fn slow_answers_time_out() {
    let server = stub();
    let opts = RemoteOptions {
        timeout: Duration::from_millis(400),
        max_retries: 1,
        ..fast_opts(8, 2)
    };
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &opts).unwrap();
    server.set_sticky(Some(Fault::Slow(Duration::from_secs(3))));
    let err = e.embed_documents(&refs(&texts(4))).unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(err.to_string().contains("raise the timeout"), "{err}");
}

#[test]
fn one_slow_answer_is_retried() {
    let server = stub();
    let opts = RemoteOptions {
        timeout: Duration::from_millis(400),
        ..fast_opts(8, 1)
    };
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &opts).unwrap();
    server.push_fault(Fault::Slow(Duration::from_secs(2)));
    assert_eq!(e.embed_documents(&refs(&texts(4))).unwrap().len(), 4);
}

#[test]
fn dropped_connections_are_retried_then_reported() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(8, 1)).unwrap();
    server.push_fault(Fault::Drop);
    assert_eq!(e.embed_documents(&refs(&texts(4))).unwrap().len(), 4);

    server.set_sticky(Some(Fault::Drop));
    let err = e.embed_documents(&refs(&texts(4))).unwrap_err();
    assert!(matches!(err, EmbedError::Remote { .. }), "{err:?}");
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
}

#[test]
fn wrong_dimensions_are_rejected_naming_both() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(4, 2)).unwrap();
    server.push_fault(Fault::WrongDims(7));
    let err = e.embed_documents(&refs(&texts(4))).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("7-dimensional") && msg.contains("expected 384"),
        "{msg}"
    );
}

#[test]
fn dimension_change_between_calls_is_an_error() {
    let server = OllamaStub::start(&[MODEL], 384);
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(4, 2)).unwrap();
    assert_eq!(e.embed_documents(&refs(&texts(10))).unwrap().len(), 10);
    // someone re-pulled a different model under the same name
    server.set_dims(768);
    let err = e.embed_documents(&refs(&texts(10))).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("768-dimensional") && msg.contains("expected 384"),
        "{msg}"
    );
    assert!(msg.contains("amanmcp index --force"), "{msg}");
    // a fresh connection adopts the new size
    let fresh = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(4, 2)).unwrap();
    assert_eq!(fresh.info().dims, 768);
}

#[test]
fn malformed_json_is_a_clean_error() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(8, 1)).unwrap();
    server.push_fault(Fault::Malformed);
    let err = e.embed_documents(&refs(&texts(4))).unwrap_err();
    assert!(err.to_string().contains("malformed JSON"), "{err}");
}

#[test]
fn nan_vectors_are_rejected() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(8, 1)).unwrap();
    server.push_fault(Fault::NaN);
    let err = e.embed_documents(&refs(&texts(4))).unwrap_err();
    assert!(err.to_string().contains("NaN"), "{err}");
}

#[test]
fn missing_vectors_are_rejected() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(8, 1)).unwrap();
    server.push_fault(Fault::MissingVector);
    let err = e.embed_documents(&refs(&texts(4))).unwrap_err();
    assert!(
        err.to_string().contains("sent 4 texts but received 3"),
        "{err}"
    );
}

#[test]
fn server_killed_mid_run_fails_the_whole_call() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(4, 2)).unwrap();
    server.die_after(4); // the probe plus three batches succeed
    let err = e.embed_documents(&refs(&texts(80))).unwrap_err();
    assert!(matches!(err, EmbedError::Remote { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&server.url()), "{msg}");
    assert!(msg.contains("after 3 attempts"), "{msg}");
    // and it stays an error, fast, while the server is gone
    assert!(e.embed_query("anything").is_err());
}

#[test]
fn unreachable_host_is_a_remote_error() {
    let addr = stub().url(); // dropped at once: nothing listens there
    let err = OllamaEmbedder::connect(&addr, MODEL, &fast_opts(8, 1)).unwrap_err();
    assert!(matches!(err, EmbedError::Remote { .. }), "{err:?}");
}

#[test]
fn query_and_documents_get_the_family_prefixes() {
    let server = OllamaStub::start(
        &["qwen3-embedding:0.6b", "jeffh/intfloat-e5-small-v2:f16"],
        32,
    );
    let qwen =
        OllamaEmbedder::connect(&server.url(), "qwen3-embedding:0.6b", &fast_opts(8, 1)).unwrap();
    qwen.embed_query("where is the retry loop").unwrap();
    qwen.embed_documents(&["fn retry() {}"]).unwrap();
    let e5 = OllamaEmbedder::connect(
        &server.url(),
        "jeffh/intfloat-e5-small-v2:f16",
        &fast_opts(8, 1),
    )
    .unwrap();
    e5.embed_query("where is the retry loop").unwrap();
    e5.embed_documents(&["fn retry() {}"]).unwrap();
    let inputs = server.inputs();
    let n = inputs.len();
    // qwen query, qwen document, e5 connect probe, e5 query, e5 document
    assert!(
        inputs[n - 5][0].starts_with("Instruct: "),
        "{:?}",
        inputs[n - 5]
    );
    assert!(inputs[n - 5][0].ends_with("\nQuery:where is the retry loop"));
    assert_eq!(inputs[n - 4][0], "fn retry() {}");
    assert_eq!(inputs[n - 3][0], "dimension probe");
    assert_eq!(inputs[n - 2][0], "query: where is the retry loop");
    assert_eq!(inputs[n - 1][0], "passage: fn retry() {}");
}

#[test]
fn empty_input_makes_no_request() {
    let server = stub();
    let e = OllamaEmbedder::connect(&server.url(), MODEL, &fast_opts(8, 1)).unwrap();
    let before = server.embed_requests();
    assert!(e.embed_documents(&[]).unwrap().is_empty());
    assert_eq!(server.embed_requests(), before);
}
