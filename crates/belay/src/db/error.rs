//! Mapping database failures by kind, never by constraint name: SQLite
//! reports no constraint names, so each store function knows which unique key
//! can fail and turns it into its feature's error.

/// A database failure that is not one of the expected constraint outcomes.
pub type DbError = sqlx::Error;

/// True when the statement failed on a unique constraint or primary key.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// True when PostgreSQL gave up on the transaction so that another could
/// go on (a deadlock or a serialization failure): running the whole
/// transaction again is safe and usually succeeds.
pub fn is_retryable(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db)
        if matches!(db.code().as_deref(), Some("40P01" | "40001")))
}

/// Runs `attempt` (one whole transaction) again while PostgreSQL gives it
/// up for another's (`AppError::Busy`), three times in all; then the
/// member is told to try again. For writes that must not bounce: opening
/// or answering a reach-out, an erasure.
pub async fn retrying<T, F>(
    mut attempt: impl FnMut() -> F,
) -> Result<T, crate::web::error::AppError>
where
    F: Future<Output = Result<T, crate::web::error::AppError>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(crate::web::error::AppError::Busy) if tries < 3 => {
                tracing::warn!(tries, "a transaction gave way to another; running it again");
                tries += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::web::error::AppError;

    /// Runs [`retrying`] on answers given in turn; returns its answer and
    /// how many attempts it made.
    async fn run(answers: &[Result<u8, AppError>]) -> (Result<u8, AppError>, usize) {
        let made = Cell::new(0);
        let answer = retrying(|| {
            let n = made.get();
            made.set(n + 1);
            let answer = match &answers[n] {
                Ok(v) => Ok(*v),
                Err(AppError::Busy) => Err(AppError::Busy),
                Err(_) => Err(AppError::NotFound),
            };
            async move { answer }
        })
        .await;
        (answer, made.get())
    }

    #[tokio::test]
    async fn a_busy_transaction_runs_again_up_to_three_times_in_all() {
        let (answer, made) = run(&[Err(AppError::Busy), Err(AppError::Busy), Ok(7)]).await;
        assert_eq!((answer.ok(), made), (Some(7), 3));
        let busy = [
            Err(AppError::Busy),
            Err(AppError::Busy),
            Err(AppError::Busy),
        ];
        let (answer, made) = run(&busy).await;
        assert!(matches!(answer, Err(AppError::Busy)));
        assert_eq!(made, 3);
    }

    #[tokio::test]
    async fn any_other_answer_is_final_at_once() {
        let (answer, made) = run(&[Err(AppError::NotFound), Ok(1)]).await;
        assert!(matches!(answer, Err(AppError::NotFound)));
        assert_eq!(made, 1);
        let (answer, made) = run(&[Ok(2)]).await;
        assert_eq!((answer.ok(), made), (Some(2), 1));
    }
}
