//! Password hashing with argon2id (m = 19456 KiB, t = 2, p = 1: OWASP's
//! first recommended setting). Each hash holds 19 MiB for tens of
//! milliseconds, so at most two run at once (bounded memory under a login
//! flood), on blocking threads so they never stall the async workers.
//!
//! The 19 MiB work areas are kept and reused (one per permit) while hashes
//! keep coming, rather than allocated per hash: under a login flood fresh
//! ones grew the resident set by about 20 MiB with each concurrent login.
//! When the last hash in flight finishes and nobody waits for one, the kept
//! areas are let go, so a quiet server does not hold 19-38 MiB for a hash
//! it may not do for hours (with ten thousand event streams open, that was
//! a tenth of the process).

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
};

use anyhow::Context;
use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::phc::{Output, ParamsString, PasswordHash, Salt},
};
use tokio::sync::Semaphore;

/// How many hashes may run at once, and so how many work areas are kept.
const CONCURRENT_HASHES: usize = 2;

#[derive(Debug)]
pub struct Passwords {
    permits: Semaphore,
    areas: Arc<WorkAreas>,
    /// A real hash of a random password, verified against when a handle does
    /// not exist, so both answers take the same time.
    dummy_hash: String,
}

impl Passwords {
    pub fn new() -> anyhow::Result<Arc<Self>> {
        let areas = Arc::new(WorkAreas::default());
        // Its own area, let go at once: a server that has just started
        // may not hash again for a long time.
        let dummy_hash = hash_now(&WorkAreas::default(), &super::token::random_token())?;
        Ok(Arc::new(Self {
            permits: Semaphore::new(CONCURRENT_HASHES),
            areas,
            dummy_hash,
        }))
    }

    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let _demand = Demand::new(&self.areas);
        let _permit = self
            .permits
            .acquire()
            .await
            .context("password hasher closed")?;
        let areas = self.areas.clone();
        tokio::task::spawn_blocking(move || hash_now(&areas, &password))
            .await
            .context("password hashing task failed")?
    }

    /// Verifies against `stored`, or against the dummy hash when there is no
    /// such member (and then always answers false).
    pub async fn verify(&self, password: String, stored: Option<String>) -> bool {
        let _demand = Demand::new(&self.areas);
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        let exists = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.clone());
        let areas = self.areas.clone();
        let matched = tokio::task::spawn_blocking(move || verify_now(&areas, &password, &hash))
            .await
            .unwrap_or(false);
        matched && exists
    }
}

/// Argon2 work areas kept between hashes, and how many hashes are in
/// flight or waiting for a permit.
#[derive(Debug, Default)]
struct WorkAreas {
    pool: Mutex<Vec<Box<[Block]>>>,
    wanted: AtomicUsize,
}

/// One hash in flight or waiting; the last to finish lets the kept areas go.
struct Demand<'a>(&'a WorkAreas);

impl<'a> Demand<'a> {
    fn new(areas: &'a WorkAreas) -> Self {
        areas.wanted.fetch_add(1, Ordering::SeqCst);
        Self(areas)
    }
}

impl Drop for Demand<'_> {
    fn drop(&mut self) {
        if self.0.wanted.fetch_sub(1, Ordering::SeqCst) == 1
            && let Ok(mut pool) = self.0.pool.lock()
        {
            pool.clear();
        }
    }
}

impl WorkAreas {
    /// How many areas are kept now.
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.pool.lock().map(|p| p.len()).unwrap_or(0)
    }

    /// Runs `f` with a work area of at least `blocks` blocks, returning the
    /// area to the pool afterwards (at most `CONCURRENT_HASHES` are kept).
    fn with<T>(&self, blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
        let taken = self.pool.lock().ok().and_then(|mut pool| pool.pop());
        let mut area = match taken {
            Some(area) if area.len() >= blocks => area,
            _ => vec![Block::default(); blocks].into_boxed_slice(),
        };
        let result = f(&mut area[..blocks]);
        if let Ok(mut pool) = self.pool.lock()
            && pool.len() < CONCURRENT_HASHES
        {
            pool.push(area);
        }
        result
    }
}

/// Runs argon2 with `params` into a fresh output of the usual length.
fn derive(
    areas: &WorkAreas,
    algorithm: Algorithm,
    version: Version,
    params: &Params,
    password: &[u8],
    salt: &[u8],
) -> anyhow::Result<Output> {
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let mut out = vec![0u8; len];
    let argon = Argon2::new(algorithm, version, params.clone());
    areas
        .with(params.block_count(), |area| {
            argon.hash_password_into_with_memory(password, salt, &mut out, area)
        })
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))?;
    Output::new(&out).map_err(|e| anyhow::anyhow!("argon2 output: {e}"))
}

fn hash_now(areas: &WorkAreas, password: &str) -> anyhow::Result<String> {
    let params = Params::default();
    let salt = Salt::generate();
    let output = derive(
        areas,
        Algorithm::Argon2id,
        Version::V0x13,
        &params,
        password.as_bytes(),
        &salt,
    )?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("{e}"))?,
        salt: Some(salt),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

fn verify_now(areas: &WorkAreas, password: &str, hash: &str) -> bool {
    let check = || -> Option<bool> {
        let parsed = PasswordHash::new(hash).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::V0x10,
        };
        let params = Params::try_from(&parsed).ok()?;
        let salt = parsed.salt.as_ref()?;
        let expected = parsed.hash.as_ref()?;
        let actual = derive(
            areas,
            algorithm,
            version,
            &params,
            password.as_bytes(),
            salt,
        )
        .ok()?;
        // `Output`'s equality is constant-time.
        Some(actual == *expected)
    };
    check().unwrap_or(false)
}

/// Hashes without a `Passwords` value; for the CLI and the demo generator.
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    hash_now(&WorkAreas::default(), password)
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
    async fn hashes_made_by_the_argon2_crate_itself_verify() {
        use argon2::password_hash::PasswordHasher;
        let p = Passwords::new().unwrap();
        let theirs = Argon2::default()
            .hash_password(b"an old password hash")
            .unwrap()
            .to_string();
        assert!(
            p.verify("an old password hash".into(), Some(theirs.clone()))
                .await
        );
        assert!(!p.verify("an old password hasH".into(), Some(theirs)).await);
        // And ours verify with theirs.
        let ours = p.hash("a new password hash".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        use argon2::password_hash::PasswordVerifier;
        assert!(
            Argon2::default()
                .verify_password(b"a new password hash", &parsed)
                .is_ok()
        );
    }

    #[tokio::test]
    async fn work_areas_are_kept_only_while_hashes_keep_coming() {
        let p = Passwords::new().unwrap();
        let hash = p.hash("correct horse battery".into()).await.unwrap();
        assert_eq!(p.areas.kept(), 0, "nobody waits: the area is let go");
        // A second hash waiting while one runs: the area is handed on.
        let outer = Demand::new(&p.areas);
        assert!(p.verify("correct horse battery".into(), Some(hash)).await);
        assert_eq!(p.areas.kept(), 1, "kept while another hash is wanted");
        drop(outer);
        assert_eq!(p.areas.kept(), 0);
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
