//! Test plumbing: a real router on a fresh database, a manual clock, and
//! typed helpers for the API and for a cookie-keeping "browser".

pub mod app;
pub mod binary;
pub mod browser;
pub mod smtp;
pub mod sse;

pub use app::{Backend, TestApp};
pub use browser::Browser;

/// Expands each listed `async fn name(backend: Backend)` into
/// `sqlite::name` and `postgres::name` tests. The PostgreSQL variant runs
/// when `BELAY_TEST_POSTGRES_URL` is set; CI sets it and checks the count.
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if !$crate::support::app::postgres_available() {
                        return;
                    }
                    super::$name($crate::support::Backend::Postgres).await
                }
            )*
        }
    };
}
