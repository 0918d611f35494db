//! Crash points for the kill -9 tests. With `BELAY_FAILPOINT=<name>` in
//! its environment, the process aborts the first time it reaches the point
//! of that name, as abruptly as `kill -9` (no destructors, no flush), so a
//! test can stop the server exactly between two statements of one
//! transaction. Unset (always, outside those tests), `hit` is a comparison
//! against `None`.

use std::sync::LazyLock;

static POINT: LazyLock<Option<String>> = LazyLock::new(|| {
    std::env::var("BELAY_FAILPOINT")
        .ok()
        .filter(|p| !p.is_empty())
});

pub fn hit(name: &str) {
    if POINT.as_deref() == Some(name) {
        eprintln!("failpoint {name}: aborting");
        std::process::abort();
    }
}
