//! Mapping database failures by kind, never by constraint name: SQLite
//! reports no constraint names, so each store function knows which unique key
//! can fail and turns it into its feature's error.

/// A database failure that is not one of the expected constraint outcomes.
pub type DbError = sqlx::Error;

/// True when the statement failed on a unique constraint or primary key.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
