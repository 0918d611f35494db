//! Static assets, embedded in the binary: nothing is fetched from another
//! origin, and a deployment is one file. URLs carry a content hash so they
//! can be cached for a year and still change when the file does.

use std::sync::LazyLock;

use axum::{
    Router,
    extract::Path,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use sha2::{Digest, Sha256};

use crate::app::AppState;

const CSS: &str = include_str!("../../static/belay.css");
const JS: &str = include_str!("../../static/belay.js");
const ICON: &str = include_str!("../../static/icon.svg");

fn versioned(name: &str, body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("/static/{name}?v={hex}")
}

static CSS_URL: LazyLock<String> = LazyLock::new(|| versioned("belay.css", CSS));
static JS_URL: LazyLock<String> = LazyLock::new(|| versioned("belay.js", JS));

pub fn css_url() -> &'static str {
    CSS_URL.as_str()
}

pub fn js_url() -> &'static str {
    JS_URL.as_str()
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/static/{name}", get(asset))
}

async fn asset(Path(name): Path<String>) -> Response {
    let (body, content_type) = match name.as_str() {
        "belay.css" => (CSS, "text/css; charset=utf-8"),
        "belay.js" => (JS, "text/javascript; charset=utf-8"),
        "icon.svg" => (ICON, "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}
