//! The reference solution of every lab.

use framework::labs::{Student, Unimplemented};

/// The reference solution as a student bundle, for the grader.
pub struct Reference;

impl Student for Reference {
    type Raft = Unimplemented;
    type KvServer = Unimplemented;
    type KvClerk = Unimplemented;
}
