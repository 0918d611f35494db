//! Opaque secrets: session cookies, API tokens and CSRF tokens. 256 bits
//! from the operating system's CSPRNG; only a SHA-256 of a session or API
//! token is stored, so a copy of the database does not log anyone in.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// Length of `random_token()`'s output: 32 bytes in unpadded base64url.
pub const TOKEN_LEN: usize = 43;
/// API tokens carry a prefix so they are recognisable in a leak scanner.
pub const API_TOKEN_PREFIX: &str = "belay_";

#[expect(
    clippy::expect_used,
    reason = "without an OS random source no secret can be made; failing closed is right"
)]
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", random_token())
}

/// Cheap shape check before any database lookup.
pub fn looks_like_token(value: &str) -> bool {
    value.len() == TOKEN_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn looks_like_api_token(value: &str) -> bool {
    value
        .strip_prefix(API_TOKEN_PREFIX)
        .is_some_and(looks_like_token)
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_distinct() {
        let a = random_token();
        let b = random_token();
        assert_eq!(a.len(), TOKEN_LEN);
        assert_ne!(a, b);
        assert!(looks_like_token(&a));
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
    }

    #[test]
    fn api_tokens_are_prefixed_and_recognised() {
        let t = new_api_token();
        assert!(looks_like_api_token(&t));
        assert!(!looks_like_api_token(&random_token()));
        assert!(!looks_like_token("short"));
        assert!(!looks_like_token(&"a".repeat(42)));
        assert!(!looks_like_token(&"a!".repeat(22)[..43]));
    }

    #[test]
    fn the_stored_hash_is_not_the_token() {
        let t = random_token();
        let h = hash_token(&t);
        assert_eq!(h.len(), 32);
        assert_ne!(h, t.as_bytes());
        assert_eq!(h, hash_token(&t));
    }
}
