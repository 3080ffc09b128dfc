//! Faults of one server's inbound side, whatever the rest of the network
//! does: the classic primary/backup lab's unreliable server and its test
//! proxy, as general features of the emulator.
//!
//! Both are keyed by the server's name, so they follow the name across
//! restarts (a harness that wants a restarted server reliable turns the
//! flag off itself).

use std::time::Duration;

/// How one server treats the requests that reach it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Inbound {
    /// The classic unreliable server: of the requests that arrive, 10 % are
    /// dropped unread (the handler never runs) and 20 % of the rest run
    /// with their reply lost, the caller told at once, possibly before the
    /// handler has finished (a retry can race the original).
    pub(crate) unreliable: bool,
    /// A serial queue in front of the server: each request waits for the
    /// one before it to be let through, then `delay` more (the classic
    /// proxy, which accepts one connection at a time and sleeps before
    /// relaying it). Replies are not delayed.
    pub(crate) delay: Duration,
    /// When the queue lets the last queued request through.
    pub(crate) free_at: Duration,
}

impl Inbound {
    /// How long a request arriving `now` waits in the queue, counting it in.
    pub(crate) fn queue(&mut self, now: Duration) -> Duration {
        if self.delay.is_zero() {
            return Duration::ZERO;
        }
        let through = self.free_at.max(now) + self.delay;
        self.free_at = through;
        through - now
    }
}

/// What an unreliable server does with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Served normally.
    Served,
    /// Dropped before the handler runs.
    RequestLost,
    /// The handler runs; its reply is lost.
    ReplyLost,
}

impl Fate {
    /// The classic split, from two draws in 0..1000: 10 % of requests lost,
    /// then 20 % of the rest with their reply lost.
    pub(crate) fn of(first: u32, second: u32) -> Fate {
        if first < 100 {
            Fate::RequestLost
        } else if second < 200 {
            Fate::ReplyLost
        } else {
            Fate::Served
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_is_serial_and_each_request_waits_its_own_delay() {
        let mut inbound = Inbound {
            delay: Duration::from_secs(4),
            ..Inbound::default()
        };
        let s = Duration::from_secs;
        assert_eq!(inbound.queue(s(10)), s(4));
        // Queued behind the first: its own 4 s start when that one is through.
        assert_eq!(inbound.queue(s(11)), s(7));
        // The queue is empty again by 30 s.
        assert_eq!(inbound.queue(s(30)), s(4));
    }

    #[test]
    fn no_delay_means_no_queue() {
        let mut inbound = Inbound::default();
        assert_eq!(inbound.queue(Duration::from_secs(3)), Duration::ZERO);
        assert_eq!(inbound.free_at, Duration::ZERO);
    }

    #[test]
    fn the_split_is_the_classic_one() {
        let fates: Vec<Fate> = (0..1000)
            .flat_map(|first| {
                (0..1000)
                    .step_by(10)
                    .map(move |second| Fate::of(first, second))
            })
            .collect();
        let share = |f: Fate| fates.iter().filter(|&&x| x == f).count() * 1000 / fates.len();
        assert_eq!(share(Fate::RequestLost), 100);
        assert_eq!(share(Fate::ReplyLost), 180);
        assert_eq!(share(Fate::Served), 720);
    }
}
