//! The real `belay` binary, started as a user would start it.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use super::app::Storage;

pub struct Server {
    pub child: Child,
    pub base: String,
    pub log: Arc<Mutex<String>>,
}

pub fn start(storage: &Storage) -> Server {
    start_with(storage, &[])
}

/// Starts `belay serve` with extra environment variables.
pub fn start_with(storage: &Storage, env: &[(&str, &str)]) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_belay"));
    cmd.arg("serve")
        .env("BELAY_DATA_DIR", storage.data_dir())
        .env("BELAY_BIND", "127.0.0.1:0")
        .env("BELAY_LOG", "debug,sqlx=debug")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(pg) = &storage.pg {
        cmd.env("DATABASE_URL", &pg.url);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start belay");
    let log = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("stderr");
    let err_log = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            err_log.lock().unwrap().push_str(&line);
            err_log.lock().unwrap().push('\n');
        }
    });
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    let out_log = log.clone();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let addr = line
                .split("addr=")
                .nth(1)
                .and_then(|r| r.split_whitespace().next());
            if let (false, true, Some(addr)) = (sent, line.contains("listening"), addr) {
                let _ = tx.send(addr.to_owned());
                sent = true;
            }
            out_log.lock().unwrap().push_str(&line);
            out_log.lock().unwrap().push('\n');
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("belay reported its address");
    Server {
        child,
        base: format!("http://{addr}"),
        log,
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
