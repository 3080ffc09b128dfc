//! Noticing that virtual time stands still while messages keep flowing.
//!
//! Virtual time moves only when every task waits for a timer. Code that
//! trades messages in a loop that never waits for time (with a zero
//! latency, say, a clerk that retries at once) keeps the clock at one
//! instant forever: no timeout of the test's can ever fire, and only the
//! wall-clock watchdog would end the run, with nothing said. The network
//! counts the RPCs sent at the current instant and fails the test, naming
//! who sent what, once they pass a number no real schedule reaches.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// RPCs sent at one virtual instant that mean the clock is stuck. A real
/// schedule sends at most a few per node at one instant (a leader's
/// heartbeats to every peer, say); a stuck loop reaches this in well under a
/// second of wall time.
pub(crate) const STALL_RPCS: u64 = 20_000;

/// The RPCs sent at the latest virtual instant, by sender and method.
#[derive(Default)]
pub(crate) struct StallWatch {
    instant: Duration,
    sent: u64,
    by_sender: BTreeMap<(Arc<str>, &'static str), u64>,
}

impl StallWatch {
    /// Counts an RPC sent at `now`; says what is wrong once the clock has
    /// stood still for [`STALL_RPCS`] of them.
    pub(crate) fn sent(
        &mut self,
        now: Duration,
        from: &Arc<str>,
        method: &'static str,
    ) -> Option<String> {
        if now != self.instant {
            self.instant = now;
            self.sent = 0;
            self.by_sender.clear();
        }
        self.sent += 1;
        *self.by_sender.entry((from.clone(), method)).or_default() += 1;
        (self.sent == STALL_RPCS).then(|| self.report())
    }

    fn report(&self) -> String {
        let mut senders: Vec<_> = self.by_sender.iter().collect();
        senders.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = senders
            .iter()
            .take(5)
            .map(|((from, method), n)| format!("{from} sent {method} {n} times"))
            .collect();
        format!(
            "virtual time is stuck at {:.3} s: {} RPCs were sent in this one instant ({}{}). \
             Something sends in a loop that never waits for time to pass: \
             sleep (tokio::time::sleep) between retries, or wait for replies",
            self.instant.as_secs_f64(),
            self.sent,
            top.join(", "),
            if senders.len() > 5 { ", ..." } else { "" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stuck_instant_is_reported_once_with_its_senders() {
        let mut watch = StallWatch::default();
        let clerk: Arc<str> = "client-0".into();
        let at = Duration::from_millis(5);
        let reports: Vec<String> = (0..2 * STALL_RPCS)
            .filter_map(|_| watch.sent(at, &clerk, "KV.Get"))
            .collect();
        assert_eq!(reports.len(), 1);
        assert!(reports[0].contains("stuck at 0.005 s"), "{}", reports[0]);
        assert!(
            reports[0].contains("client-0 sent KV.Get 20000 times"),
            "{}",
            reports[0]
        );
    }

    #[test]
    fn time_moving_resets_the_count() {
        let mut watch = StallWatch::default();
        let clerk: Arc<str> = "client-0".into();
        for i in 0..2 * STALL_RPCS {
            let at = Duration::from_micros(i / 10);
            assert!(watch.sent(at, &clerk, "KV.Get").is_none());
        }
    }
}
