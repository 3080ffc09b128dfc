//! Bounding what a test waits for, in virtual time.

use std::future::Future;
use std::time::Duration;

use tokio::time::timeout;

use crate::sim::{Failure, virtual_now};

/// Runs a client operation, failing the test if it takes longer than
/// `limit` of virtual time; the failure's first sign (on the timeline) is
/// the operation's start.
pub async fn within<T>(
    limit: Duration,
    what: &str,
    op: impl Future<Output = T>,
) -> Result<T, Failure> {
    let began = virtual_now();
    match timeout(limit, op).await {
        Ok(value) => Ok(value),
        Err(_) => {
            let failure = Failure::new(format!("{what} did not complete within {limit:?}"));
            Err(match began {
                Some(at) => failure.first_seen(at, format!("{what} began")),
                None => failure,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{RunSettings, run};

    #[test]
    fn an_operation_that_never_completes_fails_with_its_start_as_first_sign() {
        let outcome = run(&RunSettings::new(1), |_world| async {
            tokio::time::sleep(Duration::from_secs(2)).await;
            within(
                Duration::from_secs(1),
                "client 0's get",
                std::future::pending::<()>(),
            )
            .await
        });
        let failure = outcome.result.unwrap_err();
        assert_eq!(
            failure.message(),
            "client 0's get did not complete within 1s"
        );
        assert_eq!(
            failure.first_sign(),
            Some((Duration::from_secs(2), "client 0's get began"))
        );
    }
}
