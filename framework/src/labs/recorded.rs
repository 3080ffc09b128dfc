//! A recorded client: any lab's clerk whose every operation goes into the
//! test's [`History`].

use std::sync::Arc;

use super::history::History;

/// A clerk, recorded as client `id`. Operations that never return (the test
/// stops waiting) stay open in the history: their outcome is unknown.
///
/// A lab's client type wraps one and gives each clerk method its recorded
/// form (see the key/value lab's `Client`).
pub struct Recorded<C, I, O> {
    clerk: Arc<C>,
    id: usize,
    history: History<I, O>,
}

impl<C, I, O: Clone> Recorded<C, I, O> {
    /// `clerk`, recording into `history` as client `id`.
    pub fn new(clerk: C, id: usize, history: &History<I, O>) -> Self {
        Recorded {
            clerk: Arc::new(clerk),
            id,
            history: history.clone(),
        }
    }

    /// The client id its operations have in the history.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The clerk itself, for the lab's wrapper.
    pub fn clerk(&self) -> &C {
        &self.clerk
    }

    /// Records `input` as called now, runs `op`, records its output as
    /// returned then.
    pub async fn call(&self, input: I, op: impl Future<Output = O>) -> O {
        let call = self.history.call(self.id, input);
        let output = op.await;
        self.history.ret(call, output.clone());
        output
    }
}
