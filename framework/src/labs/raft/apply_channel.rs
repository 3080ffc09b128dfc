//! The apply channel: an unbuffered hand-off, like the classic labs' Go
//! channel. A send completes only once the service has taken the message,
//! so a Raft that holds a lock while sending waits for the service exactly
//! as it would there (a buffer would hide the deadlock with
//! [`Raft::snapshot`](super::Raft::snapshot) that the classic labs expose).

use std::fmt;

use tokio::sync::{mpsc, oneshot};

use super::ApplyMsg;

/// A message on its way, with the word that it was taken.
type Handoff = (ApplyMsg, oneshot::Sender<()>);

/// Makes an apply channel: the sender goes to `Raft::make`, the receiver
/// to whoever applies the messages (the harness, or the student's service).
pub fn apply_channel() -> (ApplySender, ApplyReceiver) {
    let (tx, rx) = mpsc::channel(1);
    (ApplySender { tx }, ApplyReceiver { rx })
}

/// The sending side of a peer's apply channel.
#[derive(Clone, Debug)]
pub struct ApplySender {
    tx: mpsc::Sender<Handoff>,
}

/// The receiving side has gone (the service stopped): nobody will take
/// this message or any later one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApplyClosed;

impl fmt::Display for ApplyClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the apply channel's receiver is gone")
    }
}

impl std::error::Error for ApplyClosed {}

impl ApplySender {
    /// Hands `message` to the service, waiting until it has taken it. A
    /// send given up half way (its task aborted, or raced away in a
    /// `select!`) delivers nothing.
    pub async fn send(&self, message: ApplyMsg) -> Result<(), ApplyClosed> {
        let (taken, was_taken) = oneshot::channel();
        self.tx
            .send((message, taken))
            .await
            .map_err(|_| ApplyClosed)?;
        // The receiver drops a hand-off unanswered only when it goes away
        // itself, taking the message with it.
        was_taken.await.map_err(|_| ApplyClosed)
    }
}

/// The receiving side of a peer's apply channel.
#[derive(Debug)]
pub struct ApplyReceiver {
    rx: mpsc::Receiver<Handoff>,
}

impl ApplyReceiver {
    /// The next message, once a sender offers one; `None` when every sender
    /// is gone.
    pub async fn recv(&mut self) -> Option<ApplyMsg> {
        while let Some((message, taken)) = self.rx.recv().await {
            // A sender that stopped waiting did not send: skip its message.
            if taken.send(()).is_ok() {
                return Some(message);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn command(index: u64) -> ApplyMsg {
        ApplyMsg::Command {
            index,
            term: 1,
            command: vec![index as u8],
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[test]
    fn a_send_completes_only_when_the_message_is_taken() {
        runtime().block_on(async {
            let (tx, mut rx) = apply_channel();
            let send = tokio::spawn(async move { tx.send(command(1)).await });
            tokio::time::sleep(Duration::from_secs(10)).await;
            assert!(!send.is_finished(), "nobody took the message yet");
            assert_eq!(rx.recv().await, Some(command(1)));
            assert_eq!(send.await.unwrap(), Ok(()));
        });
    }

    #[test]
    fn a_send_given_up_delivers_nothing() {
        runtime().block_on(async {
            let (tx, mut rx) = apply_channel();
            let given_up = tokio::time::timeout(Duration::from_millis(5), tx.send(command(1)));
            assert!(given_up.await.is_err());
            let sent = tokio::spawn(async move { tx.send(command(2)).await });
            assert_eq!(rx.recv().await, Some(command(2)));
            assert_eq!(sent.await.unwrap(), Ok(()));
        });
    }

    #[test]
    fn a_send_fails_once_the_receiver_is_gone() {
        runtime().block_on(async {
            let (tx, rx) = apply_channel();
            drop(rx);
            assert_eq!(tx.send(command(1)).await, Err(ApplyClosed));
        });
    }

    #[test]
    fn recv_ends_when_every_sender_is_gone() {
        runtime().block_on(async {
            let (tx, mut rx) = apply_channel();
            drop(tx);
            assert_eq!(rx.recv().await, None);
        });
    }
}
