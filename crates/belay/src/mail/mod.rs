//! Outgoing email, behind a trait: SMTP through `lettre` in production, a
//! real SMTP listener on loopback in the tests.
//!
//! Belay's emails say only that there is something to see ("You have a new
//! message on Belay") and link to it: no names, no text, no dates. A
//! notice's email carries a `Message-ID` derived from the notice, so if the
//! sender crashes after the relay accepted it and before it was recorded,
//! the retry sends the same message again and mail systems treat the two as
//! one (at-least-once delivery with an idempotency key).

use std::{future::Future, pin::Pin, sync::Arc};

use anyhow::Context;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One email.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Stable for one notice: the idempotency key.
    pub message_id: String,
}

pub trait Mailer: Send + Sync + std::fmt::Debug {
    fn send<'a>(&'a self, mail: &'a Mail) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// SMTP via `lettre`: `smtp://host:port` (plain, for a relay on the same
/// host), `smtp://user:pass@host:587?tls=required`, or `smtps://…`.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str) -> anyhow::Result<Arc<Self>> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .context("BELAY_SMTP_URL is not a usable SMTP URL")?
            .build();
        let from = from
            .parse()
            .context("BELAY_SMTP_FROM is not an email address")?;
        Ok(Arc::new(Self { transport, from }))
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, mail: &'a Mail) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let message = Message::builder()
                .from(self.from.clone())
                .to(mail
                    .to
                    .parse()
                    .context("the recipient address does not parse")?)
                .subject(mail.subject.clone())
                .message_id(Some(mail.message_id.clone()))
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone())
                .context("building the message")?;
            self.transport
                .send(message)
                .await
                .context("the SMTP relay refused the message")?;
            Ok(())
        })
    }
}
