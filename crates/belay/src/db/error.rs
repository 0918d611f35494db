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

/// [`is_retryable`] for an error already turned into an application error.
pub fn is_retryable_app(err: &crate::web::error::AppError) -> bool {
    match err {
        crate::web::error::AppError::Internal(e) => {
            e.downcast_ref::<sqlx::Error>().is_some_and(is_retryable)
        }
        _ => false,
    }
}
