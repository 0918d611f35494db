//! A cookie-keeping client that behaves like a browser filling in forms.

use reqwest::{StatusCode, header};

use super::app::TestApp;

pub struct Browser {
    pub client: reqwest::Client,
    base: String,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub html: String,
}

impl Page {
    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self
            .html
            .find(marker)
            .map(|i| i + marker.len())
            .expect("a form with a csrf field");
        let end = self.html[start..].find('"').expect("end of value") + start;
        self.html[start..end].to_owned()
    }

    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            client,
            base: app.base.clone(),
        }
    }

    async fn page(res: reqwest::Response) -> Page {
        let status = res.status();
        let headers = res.headers().clone();
        let html = res.text().await.expect("body");
        Page {
            status,
            headers,
            html,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .expect("get"),
        )
        .await
    }

    /// Posts a form as a same-origin browser would (with Sec-Fetch-Site).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_with(path, fields, &[("sec-fetch-site", "same-origin")])
            .await
    }

    pub async fn post_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .form(fields);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::page(req.send().await.expect("post")).await
    }

    /// Signs up through the web form; ends logged in.
    pub async fn sign_up(&self, handle: &str, time_zone: &str) -> Page {
        let form = self.get("/signup").await;
        let csrf = form.csrf();
        self.post(
            "/signup",
            &[
                ("csrf", &csrf),
                ("handle", handle),
                ("password", super::app::PASSWORD),
                ("time_zone", time_zone),
            ],
        )
        .await
    }

    pub async fn log_in(&self, handle: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = form.csrf();
        self.post(
            "/login",
            &[("csrf", &csrf), ("handle", handle), ("password", password)],
        )
        .await
    }
}
