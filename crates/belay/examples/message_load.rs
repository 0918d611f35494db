//! Load client for Belay's messaging benchmark (`bench/messages.sh`).
//!
//! `messages` mode: signs up PAIRS sender/recipient pairs, connects each
//! pair, opens an event stream for every recipient, then for DURATION
//! seconds each sender posts messages one after another. It reports the
//! messages per second delivered and the latency from the start of the POST
//! to the event arriving on the recipient's stream (p50/p99), and the POST
//! latency itself. `wrk` can't watch a server-sent-event stream, hence this.
//!
//! `streams` mode: opens STREAMS event streams (spread over 100 members)
//! and holds them until killed, printing "open" once all are open.
//!
//!     cargo run --release --example message_load -- messages http://127.0.0.1:18484 16 10 [http://127.0.0.1:18485]
//!     cargo run --release --example message_load -- streams http://127.0.0.1:18484 10000
//!
//! `fanout` mode (reach-out benchmark): one member reaches out to MEMBERS
//! people in their circle, each holding an event stream; COUNT times it
//! measures the time from the start of `POST /api/v1/reachouts` to the last
//! of them receiving the notice, then cancels the reach-out.
//!
//! `lag` mode: opens OPEN reach-outs that stay open (each waiting an hour
//! on its next step), then for SECONDS keeps PROBES members reaching out
//! with one-second waits, and reports how late their steps fired against
//! their due times (from each ladder's `due_at` and `fired_at`).
//!
//!     cargo run --release --example message_load -- fanout http://127.0.0.1:18484 50 1000
//!     cargo run --release --example message_load -- lag http://127.0.0.1:18484 10000 20 30
//!
//! The optional second URL receives the streams (two instances sharing one
//! PostgreSQL database): senders post to the first, recipients listen on the
//! second.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a load client that meets the unexpected should stop loudly"
)]

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use serde_json::{Value, json};

const PASSWORD: &str = "load test password";

async fn post(client: &reqwest::Client, url: String, token: Option<&str>, body: Value) -> Value {
    let mut req = client.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let value: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {value}");
    value
}

async fn member(client: &reqwest::Client, base: &str, handle: &str) -> String {
    post(
        client,
        format!("{base}/api/v1/accounts"),
        None,
        json!({"handle": handle, "password": PASSWORD}),
    )
    .await;
    let t = post(
        client,
        format!("{base}/api/v1/tokens"),
        None,
        json!({"handle": handle, "password": PASSWORD}),
    )
    .await;
    t["token"].as_str().expect("token").to_owned()
}

/// Reads one SSE stream, calling `on_event(kind, data)` per event.
async fn read_stream(
    client: reqwest::Client,
    url: String,
    token: String,
    mut on_event: impl FnMut(&str, &str) + Send,
) {
    let res = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("stream");
    let mut stream = res.bytes_stream();
    let mut buffer = String::new();
    while let Some(Ok(chunk)) = stream.next().await {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut kind = "message".to_owned();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    kind = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if !data.is_empty() {
                on_event(&kind, &data);
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn messages(send_base: String, listen_base: String, pairs: usize, seconds: u64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(pairs * 4 + 8)
        .build()
        .expect("client");
    let run = std::process::id();
    let mut senders = Vec::new();
    let mut recipients = Vec::new();
    for i in 0..pairs {
        let s = member(&client, &send_base, &format!("ls_{run}_{i}")).await;
        let r = member(&client, &send_base, &format!("lr_{run}_{i}")).await;
        let c = post(
            &client,
            format!("{send_base}/api/v1/connections"),
            Some(&s),
            json!({"handle": format!("lr_{run}_{i}"), "relationship": "peer"}),
        )
        .await;
        post(
            &client,
            format!(
                "{send_base}/api/v1/connections/{}/accept",
                c["id"].as_str().unwrap()
            ),
            Some(&r),
            json!({}),
        )
        .await;
        senders.push(s);
        recipients.push(r);
    }
    let sent_at: Arc<Vec<Mutex<HashMap<u64, Instant>>>> =
        Arc::new((0..pairs).map(|_| Mutex::default()).collect());
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(pairs);
    for (i, token) in recipients.iter().enumerate() {
        let sent_at = sent_at.clone();
        let latencies = latencies.clone();
        let ready = ready_tx.clone();
        let url = format!("{listen_base}/api/v1/events");
        tokio::spawn(read_stream(
            client.clone(),
            url,
            token.clone(),
            move |kind, data| match kind {
                "ready" => {
                    let _ = ready.try_send(());
                }
                "message" => {
                    let Ok(v) = serde_json::from_str::<Value>(data) else {
                        return;
                    };
                    let Some(seq) = v["body"]
                        .as_str()
                        .and_then(|b| b.strip_prefix("load "))
                        .and_then(|n| n.parse::<u64>().ok())
                    else {
                        return;
                    };
                    if let Some(t0) = sent_at[i].lock().unwrap().remove(&seq) {
                        latencies.lock().unwrap().push(t0.elapsed());
                    }
                }
                _ => {}
            },
        ));
    }
    for _ in 0..pairs {
        ready_rx.recv().await;
    }
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let post_latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let mut tasks = Vec::new();
    for (i, token) in senders.into_iter().enumerate() {
        let client = client.clone();
        let sent_at = sent_at.clone();
        let post_latencies = post_latencies.clone();
        let url = format!("{send_base}/api/v1/conversations/lr_{run}_{i}/messages");
        tasks.push(tokio::spawn(async move {
            let mut seq = 0u64;
            while Instant::now() < end {
                seq += 1;
                let t0 = Instant::now();
                sent_at[i].lock().unwrap().insert(seq, t0);
                let res = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"body": format!("load {seq}")}))
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status().as_u16() == 201 => {
                        post_latencies.lock().unwrap().push(t0.elapsed())
                    }
                    Ok(r) => panic!("send failed: {}", r.status()),
                    Err(e) => panic!("send failed: {e}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("sender");
    }
    let elapsed = start.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut delivered = latencies.lock().unwrap().clone();
    let mut posts = post_latencies.lock().unwrap().clone();
    delivered.sort();
    posts.sort();
    let lost: usize = sent_at.iter().map(|m| m.lock().unwrap().len()).sum();
    println!(
        "pairs={pairs} seconds={:.1} sent={} delivered={} undelivered={lost} msgs_per_s={:.0} delivery_p50_ms={:.2} delivery_p99_ms={:.2} post_p50_ms={:.2} post_p99_ms={:.2}",
        elapsed.as_secs_f64(),
        posts.len(),
        delivered.len(),
        delivered.len() as f64 / elapsed.as_secs_f64(),
        percentile(&delivered, 0.5),
        percentile(&delivered, 0.99),
        percentile(&posts, 0.5),
        percentile(&posts, 0.99),
    );
}

async fn streams(base: String, count: usize) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let run = std::process::id();
    let members = count.clamp(1, 100);
    let mut tokens = Vec::new();
    for i in 0..members {
        tokens.push(member(&client, &base, &format!("st_{run}_{i}")).await);
    }
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(count);
    for i in 0..count {
        let ready = ready_tx.clone();
        let token = tokens[i % members].clone();
        tokio::spawn(read_stream(
            client.clone(),
            format!("{base}/api/v1/events"),
            token,
            move |kind, _| {
                if kind == "ready" {
                    let _ = ready.try_send(());
                }
            },
        ));
        // Paced, so a slow server (under a heap profiler, say) is not
        // handed more connections than its listen backlog holds.
        if i % 100 == 99 {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    for _ in 0..count {
        ready_rx.recv().await;
    }
    println!("open {count}");
    std::future::pending::<()>().await;
}

async fn put(client: &reqwest::Client, url: String, token: &str, body: Value) -> Value {
    let res = client
        .put(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status();
    let value: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {value}");
    value
}

/// `a` asks `b` to connect and `b` accepts; returns the connection id.
async fn connect(client: &reqwest::Client, base: &str, a: &str, b_handle: &str, b: &str) -> String {
    let c = post(
        client,
        format!("{base}/api/v1/connections"),
        Some(a),
        json!({"handle": b_handle, "relationship": "friend"}),
    )
    .await;
    let id = c["id"].as_str().expect("id").to_owned();
    post(
        client,
        format!("{base}/api/v1/connections/{id}/accept"),
        Some(b),
        json!({}),
    )
    .await;
    id
}

/// Arrivals of one reach-out's notices: how many, and when the last came.
type Arrivals = Arc<Mutex<HashMap<String, (usize, Instant)>>>;

async fn fanout(base: String, members: usize, count: usize) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(members + 8)
        .build()
        .expect("client");
    let run = std::process::id();
    let requester = member(&client, &base, &format!("ro_{run}")).await;
    let arrivals: Arrivals = Arc::default();
    let notify = Arc::new(tokio::sync::Notify::new());
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(members);
    for i in 0..members {
        let handle = format!("rr_{run}_{i}");
        let token = member(&client, &base, &handle).await;
        put(
            &client,
            format!("{base}/api/v1/me/reach-out-settings"),
            &token,
            json!({"receives": true}),
        )
        .await;
        connect(&client, &base, &requester, &handle, &token).await;
        let arrivals = arrivals.clone();
        let notify = notify.clone();
        let ready = ready_tx.clone();
        tokio::spawn(read_stream(
            client.clone(),
            format!("{base}/api/v1/events"),
            token,
            move |kind, data| match kind {
                "ready" => {
                    let _ = ready.try_send(());
                }
                "notice" => {
                    let Ok(v) = serde_json::from_str::<Value>(data) else {
                        return;
                    };
                    let Some(link_id) = v["link"]
                        .as_str()
                        .and_then(|l| l.strip_prefix("/reach-out/"))
                    else {
                        return;
                    };
                    // The asking notice, and (keyed apart) the closing one.
                    let id = match v["kind"].as_str() {
                        Some("reach_out") => link_id.to_owned(),
                        Some("reach_out_closed") => format!("closed:{link_id}"),
                        _ => return,
                    };
                    let now = Instant::now();
                    let mut map = arrivals.lock().unwrap();
                    let entry = map.entry(id).or_insert((0, now));
                    entry.0 += 1;
                    entry.1 = now;
                    drop(map);
                    notify.notify_waiters();
                }
                _ => {}
            },
        ));
    }
    for _ in 0..members {
        ready_rx.recv().await;
    }
    let mut latencies = Vec::with_capacity(count);
    let mut missed = 0;
    for _ in 0..count {
        let t0 = Instant::now();
        let r = post(
            &client,
            format!("{base}/api/v1/reachouts"),
            Some(&requester),
            json!({}),
        )
        .await;
        let id = r["id"].as_str().expect("id").to_owned();
        let deadline = t0 + Duration::from_secs(10);
        loop {
            let waiting = notify.notified();
            let done = arrivals
                .lock()
                .unwrap()
                .get(&id)
                .filter(|(n, _)| *n >= members)
                .map(|(_, last)| *last);
            if let Some(last) = done {
                latencies.push(last - t0);
                break;
            }
            if Instant::now() > deadline {
                missed += 1;
                break;
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), waiting).await;
        }
        post(
            &client,
            format!("{base}/api/v1/reachouts/{id}/cancel"),
            Some(&requester),
            json!({}),
        )
        .await;
        // Let the closing notices arrive too, so they don't overlap with
        // the next reach-out's measurement.
        let closed = format!("closed:{id}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let waiting = notify.notified();
            if arrivals
                .lock()
                .unwrap()
                .get(&closed)
                .is_some_and(|(n, _)| *n >= members)
            {
                break;
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), waiting).await;
        }
    }
    latencies.sort_unstable();
    println!(
        "members={members} reachouts={count} last_notice_p50_ms={:.2} last_notice_p99_ms={:.2} max_ms={:.2} missed={missed}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
    );
}

async fn lag(base: String, open: usize, probes: usize, seconds: u64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    let run = std::process::id();
    // Background: reach-outs that stay open, each asking one person and
    // then waiting an hour.
    let listee = member(&client, &base, &format!("lg_{run}_listee")).await;
    put(
        &client,
        format!("{base}/api/v1/me/reach-out-settings"),
        &listee,
        json!({"receives": true}),
    )
    .await;
    let make_requester = |name: String, wait: u64| {
        let client = client.clone();
        let base = base.clone();
        let listee = listee.clone();
        async move {
            let t = member(&client, &base, &name).await;
            put(
                &client,
                format!("{base}/api/v1/me/reach-out-settings"),
                &t,
                json!({"wait_seconds": wait}),
            )
            .await;
            let c = connect(&client, &base, &t, &format!("lg_{run}_listee"), &listee).await;
            put(
                &client,
                format!("{base}/api/v1/connections/{c}/grants"),
                &t,
                json!({"reach_out": true, "reach_out_order": 1}),
            )
            .await;
            t
        }
    };
    let mut background = Vec::new();
    for i in 0..100 {
        background.push(make_requester(format!("lg_{run}_bg_{i}"), 3600).await);
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..16 {
        let client = client.clone();
        let base = base.clone();
        let mine: Vec<String> = background.iter().skip(w).step_by(16).cloned().collect();
        let quota = open / 16 + usize::from(w < open % 16);
        tasks.spawn(async move {
            let mut last = None;
            for n in 0..quota {
                let token = &mine[n % mine.len()];
                let r = post(
                    &client,
                    format!("{base}/api/v1/reachouts"),
                    Some(token),
                    json!({}),
                )
                .await;
                last = Some((token.clone(), r["id"].as_str().expect("id").to_owned()));
            }
            last
        });
    }
    let mut lasts = Vec::new();
    while let Some(done) = tasks.join_next().await {
        lasts.extend(done.expect("opener"));
    }
    let opened_in = started.elapsed().as_secs_f64();
    // Each opened reach-out's first step is due at once: wait until the
    // runner has fired them all (steps fire in due order, so the last ones
    // opened come last), then measure in the steady state.
    for (token, id) in &lasts {
        loop {
            let v: Value = client
                .get(format!("{base}/api/v1/reachouts/{id}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("view")
                .json()
                .await
                .expect("json");
            if !v["steps"][0]["fired_at"].is_null() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    eprintln!(
        "opened {open} reach-outs in {opened_in:.1} s; their first steps all fired after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Probes: reach-outs whose steps come due every second.
    let mut probe_tokens = Vec::new();
    for i in 0..probes {
        probe_tokens.push(make_requester(format!("lg_{run}_probe_{i}"), 1).await);
    }
    let ids: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for token in probe_tokens {
        let client = client.clone();
        let base = base.clone();
        let ids = ids.clone();
        tasks.spawn(async move {
            while Instant::now() < until {
                let r = post(
                    &client,
                    format!("{base}/api/v1/reachouts"),
                    Some(&token),
                    json!({}),
                )
                .await;
                ids.lock()
                    .unwrap()
                    .push((token.clone(), r["id"].as_str().unwrap().to_owned()));
                tokio::time::sleep(Duration::from_millis(1500)).await;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut lags = Vec::new();
    let mut unfired = 0;
    let opened: Vec<(String, String)> = ids.lock().unwrap().clone();
    for (token, id) in opened {
        let res = client
            .get(format!("{base}/api/v1/reachouts/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("view");
        let v: Value = res.json().await.expect("json");
        for s in v["steps"].as_array().expect("steps") {
            let (Some(due), Some(fired)) = (s["due_at"].as_str(), s["fired_at"].as_str()) else {
                unfired += 1;
                continue;
            };
            let due: chrono::DateTime<chrono::Utc> = due.parse().expect("due");
            let fired: chrono::DateTime<chrono::Utc> = fired.parse().expect("fired");
            lags.push((fired - due).to_std().unwrap_or_default());
        }
    }
    lags.sort_unstable();
    println!(
        "open={open} probe_steps={} step_lag_p50_ms={:.1} step_lag_p99_ms={:.1} max_ms={:.1} unfired={unfired}",
        lags.len(),
        percentile(&lags, 0.5),
        percentile(&lags, 0.99),
        percentile(&lags, 1.0),
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("messages") => {
            let base = args
                .get(1)
                .cloned()
                .unwrap_or_else(|| "http://127.0.0.1:18484".into());
            let pairs = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(16);
            let seconds = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
            let listen = args.get(4).cloned().unwrap_or_else(|| base.clone());
            messages(base, listen, pairs, seconds).await;
        }
        Some("streams") => {
            let base = args
                .get(1)
                .cloned()
                .unwrap_or_else(|| "http://127.0.0.1:18484".into());
            let count = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
            streams(base, count).await;
        }
        Some("fanout") => {
            let base = args
                .get(1)
                .cloned()
                .unwrap_or_else(|| "http://127.0.0.1:18484".into());
            let members = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(50);
            let count = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
            fanout(base, members, count).await;
        }
        Some("lag") => {
            let base = args
                .get(1)
                .cloned()
                .unwrap_or_else(|| "http://127.0.0.1:18484".into());
            let open = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
            let probes = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
            let seconds = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(30);
            lag(base, open, probes, seconds).await;
        }
        _ => eprintln!(
            "usage: message_load messages BASE PAIRS SECONDS [LISTEN_BASE] | streams BASE COUNT \
             | fanout BASE MEMBERS COUNT | lag BASE OPEN PROBES SECONDS"
        ),
    }
}
