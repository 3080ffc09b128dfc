//! Bounding what a test waits for, in virtual time.

use std::future::Future;
use std::time::Duration;

use tokio::time::timeout;

use crate::fail;
use crate::sim::Failure;

/// Runs a client operation, failing the test if it takes longer than
/// `limit` of virtual time.
pub async fn within<T>(
    limit: Duration,
    what: &str,
    op: impl Future<Output = T>,
) -> Result<T, Failure> {
    match timeout(limit, op).await {
        Ok(value) => Ok(value),
        Err(_) => fail!("{what} did not complete within {limit:?}"),
    }
}
