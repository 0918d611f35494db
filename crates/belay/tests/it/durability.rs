//! Durability: start the real `belay` binary, acknowledge writes while it
//! runs, `kill -9` it mid-stream, start it again, and find every write it
//! acknowledged. Its logs are then searched for the secrets it handled.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Backend, app::Storage, binary::start};

backend_tests!(acknowledged_writes_survive_kill_9);

async fn acknowledged_writes_survive_kill_9(b: Backend) {
    let storage = Storage::new(b).await;
    let password = "CANARY-PASSWORD horse battery";
    let mut server = start(&storage);
    let http = reqwest::Client::new();

    let mut tokens = Vec::new();
    for i in 0..4 {
        let handle = format!("writer_{i}");
        let res = http
            .post(format!("{}/api/v1/accounts", server.base))
            .json(&json!({"handle": handle, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let res = http
            .post(format!("{}/api/v1/tokens", server.base))
            .json(&json!({"handle": handle, "password": password}))
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = res.json().await.unwrap();
        tokens.push(body["token"].as_str().unwrap().to_owned());
    }

    // Four writers create clocks as fast as the server acknowledges them,
    // each followed by the day's check-in saved again (on SQLite the one
    // through sqlx's writer, the other inline: a unit of each kind commits
    // the other kind's group, so the kill also lands between the two).
    let acked = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let saved = Arc::new(Mutex::new(std::collections::HashMap::<String, usize>::new()));
    let mut writers = tokio::task::JoinSet::new();
    for token in tokens.clone() {
        let http = http.clone();
        let base = server.base.clone();
        let acked = acked.clone();
        let saved = saved.clone();
        writers.spawn(async move {
            for n in 0..20 {
                let sent = http
                    .post(format!("{base}/api/v1/checkins"))
                    .bearer_auth(&token)
                    .json(
                        &json!({"mood": 3, "craving": 1, "note": format!("CANARY-NOTE save {n}")}),
                    )
                    .send()
                    .await;
                let Ok(res) = sent else { return };
                if res.status() != StatusCode::CREATED && res.status() != StatusCode::OK {
                    return;
                }
                if res.json::<serde_json::Value>().await.is_err() {
                    return;
                }
                saved.lock().unwrap().insert(token.clone(), n);
                let sent = http
                    .post(format!("{base}/api/v1/me/clocks"))
                    .bearer_auth(&token)
                    .json(&json!({"label": format!("clock {n}"), "started_on": "1999-12-31"}))
                    .send()
                    .await;
                let Ok(res) = sent else { return };
                if res.status() != StatusCode::CREATED {
                    return;
                }
                let Ok(body) = res.json::<serde_json::Value>().await else {
                    return;
                };
                acked
                    .lock()
                    .unwrap()
                    .push((token.clone(), body["id"].as_str().unwrap().to_owned()));
            }
        });
    }
    // Kill the server in the middle of the stream.
    loop {
        tokio::time::sleep(Duration::from_millis(5)).await;
        if acked.lock().unwrap().len() >= 25 {
            break;
        }
    }
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();
    while writers.join_next().await.is_some() {}
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 25,
        "writes were acknowledged before the kill"
    );
    assert!(acked.len() < 80, "the kill landed mid-stream");

    let mut restarted = start(&storage);
    for (token, id) in &acked {
        let res = http
            .get(format!("{}/api/v1/me/clocks/{id}", restarted.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "acknowledged clock {id} was lost"
        );
    }
    // Each writer's check-in is the last save acknowledged, or one after it
    // that committed without its answer arriving.
    let saved = saved.lock().unwrap().clone();
    assert_eq!(saved.len(), tokens.len(), "every writer saved a check-in");
    for (token, last) in &saved {
        let res = http
            .get(format!("{}/api/v1/checkins?days=1", restarted.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: serde_json::Value = res.json().await.unwrap();
        let note = body["checkins"][0]["note"].as_str().unwrap_or_default();
        let kept: usize = note
            .strip_prefix("CANARY-NOTE save ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no saved check-in: {body}"));
        assert!(
            kept >= *last,
            "acknowledged save {last} was lost (found {kept})"
        );
    }
    restarted.child.kill().expect("stop");
    let _ = restarted.child.wait();

    // Nothing secret reached the logs: passwords, tokens, sobriety dates.
    let logs = format!(
        "{}{}",
        server.log.lock().unwrap(),
        restarted.log.lock().unwrap()
    );
    assert!(logs.contains("listening"), "the logs were captured");
    assert!(
        !logs.contains("CANARY-PASSWORD"),
        "a password reached the logs"
    );
    assert!(
        !logs.contains("1999-12-31"),
        "a sobriety date reached the logs"
    );
    assert!(
        !logs.contains("CANARY-NOTE"),
        "a check-in's note reached the logs"
    );
    for token in &tokens {
        assert!(!logs.contains(token.as_str()), "a token reached the logs");
        assert!(
            !logs.contains(&token["belay_".len()..]),
            "a token reached the logs"
        );
    }
}
