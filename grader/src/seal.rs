//! Sealing a test's result, so that only the grader's own code in the child
//! can write a verdict the parent accepts.
//!
//! The student's code runs in the child process, next to the code that
//! writes the result: whatever the child can write, the student's code can
//! write too. So the parent draws a fresh key for every run and hands it to
//! the child on stdin, which the child reads (and closes) before any of the
//! student's code runs. The child seals its result with an HMAC-SHA256 tag
//! over the test's number, the seed and the result's bytes; the parent
//! accepts only a result whose tag its own key reproduces. A forged file, a
//! stale result of another run, or a corrupted one all fail the check.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type Tag = Hmac<Sha256>;

/// A per-run key.
pub struct Key([u8; 32]);

impl Key {
    /// A new key from the operating system's randomness (through `rand`'s
    /// cryptographically secure thread generator).
    pub fn fresh() -> Key {
        let mut key = [0; 32];
        rand::rng().fill_bytes(&mut key);
        Key(key)
    }

    /// The key as hex, for the handshake.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A key from its hex form, if it is one.
    pub fn from_hex(text: &str) -> Option<Key> {
        let mut key = [0; 32];
        hex::decode_to_slice(text, &mut key).ok()?;
        Some(Key(key))
    }

    fn tag(&self, test: usize, seed: u64, result: &[u8]) -> Tag {
        let mut tag = Tag::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        tag.update(&(test as u64).to_le_bytes());
        tag.update(&seed.to_le_bytes());
        tag.update(result);
        tag
    }

    /// `result` sealed for run (`test`, `seed`): its tag in hex, a newline,
    /// then the result.
    pub fn seal(&self, test: usize, seed: u64, result: &[u8]) -> Vec<u8> {
        let tag = hex::encode(self.tag(test, seed, result).finalize().into_bytes());
        [tag.as_bytes(), b"\n", result].concat()
    }

    /// The result inside `sealed`, if this key sealed it for run (`test`,
    /// `seed`); `None` for anything else.
    pub fn open<'a>(&self, test: usize, seed: u64, sealed: &'a [u8]) -> Option<&'a [u8]> {
        let newline = sealed.iter().position(|&b| b == b'\n')?;
        let (tag, result) = (&sealed[..newline], &sealed[newline + 1..]);
        let tag = hex::decode(tag).ok()?;
        // verify_slice compares in constant time.
        self.tag(test, seed, result)
            .verify_slice(&tag)
            .ok()
            .map(|()| result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_key_and_run_open_a_seal() {
        let key = Key::fresh();
        let sealed = key.seal(3, 42, b"{\"passed\":false}");
        assert_eq!(key.open(3, 42, &sealed), Some(&b"{\"passed\":false}"[..]));
        assert_eq!(key.open(4, 42, &sealed), None, "another test");
        assert_eq!(key.open(3, 43, &sealed), None, "another seed");
        assert_eq!(Key::fresh().open(3, 42, &sealed), None, "another key");
        let mut forged = sealed.clone();
        let end = forged.len() - 7;
        forged[end..].copy_from_slice(b"true}  ");
        assert_eq!(key.open(3, 42, &forged), None, "changed bytes");
        assert_eq!(key.open(3, 42, b"{\"passed\":true}"), None, "no tag");
    }

    #[test]
    fn a_key_survives_its_hex_form() {
        let key = Key::fresh();
        let again = Key::from_hex(&key.to_hex()).unwrap();
        assert_eq!(again.0, key.0);
        assert!(Key::from_hex("not hex").is_none());
    }
}
