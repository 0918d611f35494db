//! Password hashing with argon2id (m = 19456 KiB, t = 2, p = 1: OWASP's
//! first recommended setting). Each hash holds 19 MiB for tens of
//! milliseconds, so at most two run at once (bounded memory under a login
//! flood), on blocking threads so they never stall the async workers.

use std::sync::Arc;

use anyhow::Context;
use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use tokio::sync::Semaphore;

#[derive(Debug)]
pub struct Passwords {
    permits: Semaphore,
    /// A real hash of a random password, verified against when a handle does
    /// not exist, so both answers take the same time.
    dummy_hash: String,
}

impl Passwords {
    pub fn new() -> anyhow::Result<Arc<Self>> {
        let dummy_hash = hash_now(&super::token::random_token())?;
        Ok(Arc::new(Self {
            permits: Semaphore::new(2),
            dummy_hash,
        }))
    }

    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let _permit = self
            .permits
            .acquire()
            .await
            .context("password hasher closed")?;
        tokio::task::spawn_blocking(move || hash_now(&password))
            .await
            .context("password hashing task failed")?
    }

    /// Verifies against `stored`, or against the dummy hash when there is no
    /// such member (and then always answers false).
    pub async fn verify(&self, password: String, stored: Option<String>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        let exists = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.clone());
        let matched = tokio::task::spawn_blocking(move || verify_now(&password, &hash))
            .await
            .unwrap_or(false);
        matched && exists
    }
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Hashes without a `Passwords` value; for the CLI and the demo generator.
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    hash_now(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_owasp_parameters() {
        let p = Passwords::new().unwrap();
        let hash = p.hash("correct horse battery".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            p.verify("correct horse battery".into(), Some(hash.clone()))
                .await
        );
        assert!(!p.verify("correct horse batterY".into(), Some(hash)).await);
    }

    #[tokio::test]
    async fn an_unknown_member_never_verifies() {
        let p = Passwords::new().unwrap();
        assert!(!p.verify("anything at all".into(), None).await);
        assert!(
            !p.verify("anything at all".into(), Some("not a phc string".into()))
                .await
        );
    }
}
