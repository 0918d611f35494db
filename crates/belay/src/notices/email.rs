//! The notice email job. It runs in two steps: sending, outside any
//! transaction (a slow relay must not hold up the writer), then recording
//! that it was sent, in the job's transaction. A crash between the two
//! sends again on retry, with the same `Message-ID` (see `mail`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::store;
use crate::{
    app::AppState,
    db::Tx,
    jobs::{
        Announce, Job,
        queue::{self, NewJob},
    },
    mail::Mail,
};

#[derive(Debug, Clone, Default)]
enum Outcome {
    /// Nothing to send (no address, turned off, already sent or read).
    #[default]
    Nothing,
    Sent,
    /// In quiet hours: try again when they end.
    Later(DateTime<Utc>),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoticeEmail {
    pub notice_id: Uuid,
    #[serde(skip)]
    outcome: Outcome,
}

impl NoticeEmail {
    pub fn new(notice_id: Uuid) -> Self {
        Self {
            notice_id,
            outcome: Outcome::Nothing,
        }
    }
}

/// The idempotency key: one per notice, the same on every retry.
pub fn message_id(notice: Uuid, state: &AppState) -> String {
    let host = state
        .config
        .base_url
        .as_str()
        .split("://")
        .nth(1)
        .unwrap_or("belay.invalid");
    let host = host.split(':').next().unwrap_or(host);
    format!("<notice-{notice}@{host}>")
}

fn body(kind: &str, base: &str) -> String {
    let what = if kind == "message" {
        "a new message"
    } else {
        "a new notice"
    };
    format!(
        "Hello,\n\nYou have {what} on Belay. Open Belay to see it:\n{base}/notices\n\n\
         If you are struggling right now, you don't have to wait: in the US, call or text 988, \
         or call your local emergency number.\n\n\
         You get these emails because you turned them on. To stop them: {base}/settings\n"
    )
}

impl Job for NoticeEmail {
    const KIND: &'static str = "notice_email";
    const MAX_ATTEMPTS: i32 = 8;

    async fn before(mut self, state: &AppState) -> anyhow::Result<Self> {
        let Some(notice) = store::for_email(&state.db, self.notice_id).await? else {
            return Ok(self);
        };
        if notice.emailed_at.is_some() || (notice.kind == "message" && notice.read_at.is_some()) {
            return Ok(self);
        }
        let settings = store::email_settings_read(&state.db, notice.member_id).await?;
        if !settings.wants_email() {
            return Ok(self);
        }
        if let Some(end) = settings.quiet_until(state.clock.now(), &notice.kind) {
            self.outcome = Outcome::Later(end);
            return Ok(self);
        }
        let Some(mailer) = &state.mailer else {
            tracing::debug!("no SMTP relay configured; notice email skipped");
            return Ok(self);
        };
        let mail = Mail {
            to: settings.email.unwrap_or_default(),
            subject: super::email_subject(&notice.kind).to_owned(),
            body: body(&notice.kind, state.config.base_url.as_str()),
            message_id: message_id(self.notice_id, state),
        };
        mailer.send(&mail).await?;
        tracing::info!(notice.id = %self.notice_id, "notice email sent");
        self.outcome = Outcome::Sent;
        Ok(self)
    }

    async fn run(self, state: &AppState, tx: &mut Tx) -> anyhow::Result<Announce> {
        let now = state.clock.now();
        match self.outcome {
            Outcome::Sent => store::mark_emailed(tx, self.notice_id, now).await?,
            Outcome::Later(at) => {
                let again = NoticeEmail::new(self.notice_id);
                let key = format!("notice-email:{}", self.notice_id);
                queue::enqueue(tx, &NewJob::of(&again, at, Some(key))?, now).await?;
            }
            Outcome::Nothing => {}
        }
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_email_body_carries_no_detail() {
        let text = super::body("message", "https://belay.example");
        assert!(text.contains("You have a new message on Belay"));
        assert!(text.contains("https://belay.example/notices"));
        assert!(text.contains("988"));
    }
}
