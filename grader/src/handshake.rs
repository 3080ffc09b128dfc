//! What the parent tells a child about its run, on the child's stdin: the
//! test, the seed, where the result goes and the key that seals it.
//!
//! Stdin, because the child reads it to the end and closes it before the
//! student's code runs: unlike the environment, a file or an inherited
//! descriptor, nothing of it is left for that code to find (see the README's
//! threat model for what remains).

use std::io::{Read, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::seal::Key;

/// One run's instructions to its child.
#[derive(Serialize, Deserialize)]
pub struct Handshake {
    /// The test's number in the suite.
    pub test: usize,
    /// The seed.
    pub seed: u64,
    /// Where the sealed result goes.
    pub result: PathBuf,
    /// The key that seals it, in hex.
    key: String,
}

impl Handshake {
    /// Instructions for run (`test`, `seed`) whose result is sealed with
    /// `key` and written to `result`.
    pub fn new(test: usize, seed: u64, result: PathBuf, key: &Key) -> Handshake {
        Handshake {
            test,
            seed,
            result,
            key: key.to_hex(),
        }
    }

    /// Writes the instructions to the child's stdin and closes it. A child
    /// that died before reading them fails on its own, so a broken pipe
    /// here is not an error of the parent's.
    pub fn send(&self, mut stdin: impl Write) {
        let text = serde_json::to_vec(self).expect("a handshake always serializes");
        let _ = stdin.write_all(&text);
    }

    /// Reads the instructions from stdin, then puts /dev/null in its place,
    /// so that nothing read later from stdin sees them; returns them with
    /// their key.
    pub fn receive() -> Result<(Handshake, Key), String> {
        let mut text = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut text)
            .map_err(|e| format!("cannot read the run's instructions: {e}"))?;
        let null =
            std::fs::File::open("/dev/null").map_err(|e| format!("cannot open /dev/null: {e}"))?;
        rustix::stdio::dup2_stdin(&null).map_err(|e| format!("cannot close stdin: {e}"))?;
        let handshake: Handshake = serde_json::from_slice(&text)
            .map_err(|_| "grader __child is internal to `grader run`".to_string())?;
        let key = Key::from_hex(&handshake.key)
            .ok_or_else(|| "grader __child: the run's key is not a key".to_string())?;
        Ok((handshake, key))
    }
}
